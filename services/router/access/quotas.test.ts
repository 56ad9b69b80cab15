import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { status as Status } from '@grpc/grpc-js';
import { ServiceError } from '../../../lib/grpc/service-error.js';
import { ManualClock } from '../manual-clock.js';
import { memoryLog } from './memory-log.js';
import { compilePolicy, type Quota } from './policy.js';
import type { Principal } from './principal.js';
import { CONCURRENCY_PUSHBACK_MS, PolicyQuotas, SWEEP_AT_CALLERS } from './quotas.js';

const alice: Principal = { kind: 'certificate', id: 'spiffe://shardmesh.local/client/alice', claims: {} };
const bob: Principal = { kind: 'certificate', id: 'spiffe://shardmesh.local/client/bob', claims: {} };
const carol: Principal = { kind: 'token', id: 'carol', claims: { sub: 'carol' } };

function keeper(quota: Quota): { quotas: PolicyQuotas; clock: ManualClock } {
  const policy = compilePolicy(
    {
      version: 1,
      rules: [],
      quotas: [{ principals: [{ spiffe: 'spiffe://shardmesh.local/client/*' }], quota }],
    },
    'q.yaml',
  );
  const clock = new ManualClock();
  return { quotas: new PolicyQuotas(policy, memoryLog().log, clock), clock };
}

/** The refusal `admit` throws, checked to be the caller's RESOURCE_EXHAUSTED; returns message and pushback. */
function refusal(admit: () => unknown): { details: string; pushbackMs: number } {
  try {
    admit();
  } catch (error) {
    assert.ok(error instanceof ServiceError);
    assert.equal(error.code, Status.RESOURCE_EXHAUSTED);
    assert.match(
      error.details,
      /^your quota of .* is used up \(a limit on this caller, not a server overload\); retry /,
    );
    return { details: error.details, pushbackMs: Number(error.metadata?.get('grpc-retry-pushback-ms')[0]) };
  }
  assert.fail('admitted a call over quota');
}

void describe('PolicyQuotas', () => {
  it('requests per second: the burst, then one call per refill; the pushback says when', async () => {
    const { quotas, clock } = keeper({ requestsPerSecond: 2, requestsBurst: 3 });
    for (let i = 0; i < 3; i++) quotas.admit(alice, 0)();
    const over = refusal(() => quotas.admit(alice, 0));
    assert.equal(over.pushbackMs, 500);
    assert.match(over.details, /quota of 2 requests per second .* retry in 500 ms$/);
    await clock.advance(499);
    assert.equal(refusal(() => quotas.admit(alice, 0)).pushbackMs, 1);
    await clock.advance(1);
    quotas.admit(alice, 0)();
    assert.equal(refusal(() => quotas.admit(alice, 0)).pushbackMs, 500);
  });

  it('one caller over quota leaves another unaffected; an unlisted caller has no limit', () => {
    const { quotas } = keeper({ requestsPerSecond: 1 });
    quotas.admit(alice, 0)();
    refusal(() => quotas.admit(alice, 0));
    quotas.admit(bob, 0)();
    for (let i = 0; i < 100; i++) quotas.admit(carol, 1 << 30)();
  });

  it('bytes per second: a refused call spends nothing; a call larger than the burst waits for a full bucket', async () => {
    const { quotas, clock } = keeper({ bytesPerSecond: 1000, bytesBurst: 1000 });
    quotas.admit(alice, 600)();
    const over = refusal(() => quotas.admit(alice, 600));
    assert.equal(over.pushbackMs, 200);
    assert.match(over.details, /quota of 1000 request bytes per second/);
    quotas.admit(alice, 400)(); // the refusal took none of the 400 left
    await clock.advance(1000);
    quotas.admit(alice, 5000)(); // full bucket: admitted, leaves 4000 bytes of debt
    assert.equal(refusal(() => quotas.admit(alice, 1)).pushbackMs, 4001);
  });

  it('concurrent requests: refused while the limit is in use, admitted once a call ends; release is idempotent', () => {
    const { quotas } = keeper({ concurrentRequests: 2 });
    const first = quotas.admit(alice, 0);
    const second = quotas.admit(alice, 0);
    const over = refusal(() => quotas.admit(alice, 0));
    assert.equal(over.pushbackMs, CONCURRENCY_PUSHBACK_MS);
    assert.match(over.details, /quota of 2 concurrent requests .* retry when one of your calls ends$/);
    quotas.admit(bob, 0);
    first();
    first();
    const third = quotas.admit(alice, 0);
    refusal(() => quotas.admit(alice, 0));
    second();
    third();
  });

  it('forgets idle callers once many are remembered, keeping those still limited', async () => {
    const { quotas, clock } = keeper({ requestsPerSecond: 1, concurrentRequests: 1 });
    quotas.admit(alice, 0); // in flight, never released
    const client = (i: number): Principal => ({
      kind: 'certificate',
      id: `spiffe://shardmesh.local/client/c${i}`,
      claims: {},
    });
    for (let i = 0; quotas.callers < SWEEP_AT_CALLERS; i++) quotas.admit(client(i), 0)();
    await clock.advance(999);
    quotas.admit(client(-1), 0)(); // sweeps, but no bucket has refilled yet: nothing forgotten
    assert.equal(quotas.callers, SWEEP_AT_CALLERS + 1);
    await clock.advance(1);
    quotas.admit(carol, 0)(); // carol has no quota: no state, no sweep
    quotas.admit(client(-2), 0)();
    // Forgotten: every refilled, idle caller; kept: alice (in flight), client(-1) (empty bucket), the new one.
    assert.equal(quotas.callers, 3);
    refusal(() => quotas.admit(alice, 0));
    refusal(() => quotas.admit(client(-1), 0));
  });
});
