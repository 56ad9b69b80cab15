import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { status as Status } from '@grpc/grpc-js';
import { ServiceError } from '../../../lib/grpc/service-error.js';
import { memoryLog } from './memory-log.js';
import { PolicyAuthorizer } from './policy-authorizer.js';
import { compilePolicy } from './policy.js';
import type { Principal } from './principal.js';

const policy = compilePolicy(
  {
    version: 1,
    rules: [
      {
        name: 'secret-rule-name',
        principals: [{ spiffe: 'spiffe://shardmesh.local/client/alice' }],
        verbs: ['infer'],
        models: ['ocr'],
      },
    ],
  },
  '/etc/shardmesh/policy.yaml',
);
const alice: Principal = { kind: 'certificate', id: 'spiffe://shardmesh.local/client/alice', claims: {} };
const bob: Principal = { kind: 'token', id: 'bob', claims: { sub: 'bob' } };

void describe('PolicyAuthorizer', () => {
  it('allows what a rule allows, silently', () => {
    const { log, lines } = memoryLog();
    new PolicyAuthorizer(policy, log).authorize(alice, 'infer', { name: 'ocr', version: '3' }, 'req-1');
    assert.equal(lines.length, 0);
  });

  it('denies with PERMISSION_DENIED naming verb and model, never the policy, and one audit line', () => {
    const { log, lines } = memoryLog();
    const authorizer = new PolicyAuthorizer({ current: policy }, log);
    assert.throws(
      () => authorizer.authorize(bob, 'admin', { name: 'ocr', version: '3' }, 'req-2'),
      (error: unknown) => {
        assert.ok(error instanceof ServiceError);
        assert.equal(error.code, Status.PERMISSION_DENIED);
        assert.equal(
          error.details,
          'permission denied: verb admin on model ocr version 3 is not allowed for this caller',
        );
        assert.doesNotMatch(error.details, /secret-rule-name|policy\.yaml|alice|rules\[/);
        return true;
      },
    );
    assert.equal(lines.length, 1);
    assert.deepEqual(
      {
        audit: lines[0]!['audit'],
        principal: lines[0]!['principal'],
        verb: lines[0]!['verb'],
        model: lines[0]!['model'],
        version: lines[0]!['version'],
        requestId: lines[0]!['requestId'],
      },
      { audit: 'denied', principal: 'bob', verb: 'admin', model: 'ocr', version: '3', requestId: 'req-2' },
    );
  });

  it('reads the policy source on every call, so a swap takes effect at the next call', () => {
    const { log } = memoryLog();
    const source = { current: policy };
    const authorizer = new PolicyAuthorizer(source, log);
    assert.throws(() => authorizer.authorize(bob, 'infer', { name: 'ocr', version: '' }, 'r'), ServiceError);
    source.current = compilePolicy(
      { version: 1, rules: [{ principals: [{ subject: 'bob' }], verbs: ['infer'], models: ['*'] }] },
      'x',
    );
    authorizer.authorize(bob, 'infer', { name: 'ocr', version: '' }, 'r');
  });
});
