import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ListedInstance, ShardInstance } from '../registry/registry.js';
import type { RouterStatus } from '../services/router/router-status.js';
import { meshStatus } from './mesh-status.js';
import { renderMeshStatus } from './mesh-status-text.js';

const instance = (id: string, partition: number): ShardInstance => ({
  id,
  address: '10.0.0.1',
  port: 7000 + partition,
  model: 'mlp',
  version: '1',
  stage: 's0',
  partition,
  partitionCount: 2,
  identity: 'spiffe://shardmesh.local/shard/x',
});

const passing = (i: ShardInstance): ListedInstance => ({ instance: i, status: 'passing' });

const router = (replicas: RouterStatus['replicas']): RouterStatus => ({
  statusVersion: 1,
  certificateNotAfter: '2030-01-01T00:00:00.000Z',
  routingTableAgeSeconds: 1.5,
  plans: [{ model: 'mlp', version: '1', stages: [{ stage: 's0', partitions: 3 }] }],
  replicas,
});

const base = {
  now: new Date('2029-12-01T00:00:00Z'),
  registry: 'embedded:/r',
  plans: [],
  certificates: [{ name: 'router', notAfter: '2029-12-08T00:00:00.000Z' }],
};

test('partitions a plan names with no replica are missing; replicas sum in-flight and rate, take the worst latency', () => {
  const status = meshStatus({
    ...base,
    instances: [instance('b', 0), instance('a', 0), instance('c', 1)].map(passing),
    routers: [
      {
        address: 'r1:8002',
        ok: true,
        status: router({
          a: { inFlight: 1, ejected: false, requestsPerSecond: 2, p50Ms: 1, p99Ms: 4, failures: 0 },
          b: { inFlight: 0, ejected: true, requestsPerSecond: 0.5, p50Ms: 3, p99Ms: 9, failures: 2 },
        }),
      },
      {
        address: 'r2:8002',
        ok: true,
        status: router({
          a: { inFlight: 2, ejected: false, requestsPerSecond: 1, p50Ms: 2, p99Ms: 3, failures: 0 },
        }),
      },
      { address: 'r3:8002', ok: false, error: 'ECONNREFUSED' },
    ],
  });
  const partitions = status.models[0]!.stages[0]!.partitions;
  assert.deepEqual(
    partitions.map((p) => [p.partition, p.missing, p.replicas.map((r) => r.instance)]),
    [
      [0, false, ['a', 'b']],
      [1, false, ['c']],
      [2, true, []],
    ],
  );
  assert.deepEqual(status.missing, ['mlp/1/s0/2']);
  assert.deepEqual(partitions[0]!.replicas[0], {
    instance: 'a',
    address: '10.0.0.1:7000',
    health: 'passing',
    inFlight: 3,
    requestsPerSecond: 3,
    p50Ms: 2,
    p99Ms: 4,
  });
  assert.equal(partitions[0]!.replicas[1]!.health, 'ejected');
  assert.equal(partitions[1]!.replicas[0]!.p50Ms, null);
  assert.deepEqual(
    status.routers.map((r) => r.ok),
    [true, true, false],
  );
});

test('the text shows a missing partition as a red row, an unreachable router in red, and expiry in days', () => {
  const status = meshStatus({
    ...base,
    instances: [passing(instance('a', 0))],
    routers: [{ address: 'r3:8002', ok: false, error: 'ECONNREFUSED' }],
  });
  const text = renderMeshStatus(status, true);
  const missing = text.split('\n').find((l) => l.includes('MISSING'));
  assert.equal(
    missing,
    '\u001b[31mmlp/1          s0     1     MISSING: no passing replica registered\u001b[0m',
  );
  assert.match(text, /\u001b\[31mrouter r3:8002: no answer \(ECONNREFUSED\)/);
  assert.match(text, /certificate router: expires 2029-12-08 \(7 days\)/);
  assert.doesNotMatch(renderMeshStatus(status, false), /\u001b/);
});

test("a partition with only critical replicas is missing, and lists them with the registry's reason", () => {
  const status = meshStatus({
    ...base,
    instances: [
      passing(instance('a', 0)),
      { instance: instance('d', 1), status: 'critical', note: 'draining' },
      { instance: instance('e', 1), status: 'critical' },
    ],
    routers: [
      {
        address: 'r1:8002',
        ok: true,
        status: router({
          d: { inFlight: 1, ejected: false, requestsPerSecond: 0.5, p50Ms: 2, p99Ms: 2, failures: 0 },
        }),
      },
    ],
  });
  const p1 = status.models[0]!.stages[0]!.partitions[1]!;
  assert.equal(p1.missing, true);
  assert.deepEqual(status.missing, ['mlp/1/s0/1', 'mlp/1/s0/2']);
  assert.deepEqual(
    p1.replicas.map((r) => [r.instance, r.health, r.note, r.inFlight]),
    [
      ['d', 'critical', 'draining', 1],
      ['e', 'critical', undefined, 0],
    ],
  );
  const lines = renderMeshStatus(status, true).split('\n');
  assert.ok(
    lines.includes(
      '\u001b[31mmlp/1          s0     1     MISSING: no passing replica; 2 critical below\u001b[0m',
    ),
    lines.join('\n'),
  );
  const d = lines.find((l) => l.includes(' d '));
  assert.match(d ?? '', /^\u001b\[33m.* critical \(draining\) /);
  assert.ok(lines.some((l) => l.includes('MISSING: no passing replica registered')));
});
