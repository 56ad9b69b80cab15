import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  assignmentKey,
  decodeAssignment,
  decodePlacement,
  decodeReplicasUnder,
  encodeAssignment,
  encodeReplicas,
  encodeWorker,
  leaderKey,
  replicasKey,
  workerKey,
} from './placement-kv-layout.js';

const P = 'shardmesh/placement/';
const M = 'shardmesh/models/';

describe('placement KV layout', () => {
  test('keys are the documented ones', () => {
    assert.equal(replicasKey(M, 'mlp', '2'), 'shardmesh/models/mlp/versions/2/replicas');
    assert.equal(workerKey(P, 'w-1'), 'shardmesh/placement/workers/w-1');
    assert.equal(assignmentKey(P, 'w-1'), 'shardmesh/placement/assignments/w-1');
    assert.equal(leaderKey(P), 'shardmesh/placement/leader');
  });

  test('a worker, an assignment and replicas round-trip; the rest of the prefix is ignored', () => {
    const worker = {
      id: 'shard-1a-0a1b2c3d',
      node: 'host-1',
      address: '10.0.0.2',
      port: 4100,
      capacityBytes: 1 << 30,
    };
    const entries = [
      { Key: workerKey(P, worker.id), Value: encodeWorker(worker) },
      { Key: assignmentKey(P, worker.id), Value: encodeAssignment(['mlp/2/s/1', 'mlp/2/s/0']) },
      { Key: leaderKey(P), Value: '{"router":"r"}', Session: 'abc' },
    ];
    const { workers, assignments, problems } = decodePlacement(P, entries);
    assert.deepEqual(problems, []);
    assert.deepEqual(workers, [worker]);
    assert.deepEqual(assignments.get(worker.id), ['mlp/2/s/0', 'mlp/2/s/1']);
    const replicas = decodeReplicasUnder(
      [
        { Key: replicasKey(M, 'mlp', '2'), Value: encodeReplicas(2) },
        { Key: `${M}mlp/versions/2/plan`, Value: '{}' },
      ],
      M,
    );
    assert.deepEqual([...replicas.replicas], [['mlp/2', 2]]);
  });

  test('bad values are reported naming the key, and left out', () => {
    const { workers, assignments, problems } = decodePlacement(P, [
      { Key: workerKey(P, 'w'), Value: '{"node":"","capacityBytes":1}' },
      { Key: assignmentKey(P, 'w'), Value: '{"partitions":["../etc"]}' },
    ]);
    assert.deepEqual(workers, []);
    assert.equal(assignments.size, 0);
    assert.match(problems[0]!.message, /workers\/w: node must be a name/);
    assert.match(problems[1]!.message, /assignments\/w: partition "\.\.\/etc": expected MODEL/);
    const replicas = decodeReplicasUnder([{ Key: replicasKey(M, 'mlp', '1'), Value: '{"replicas":0}' }], M);
    assert.equal(replicas.replicas.size, 0);
    assert.match(replicas.problems[0]!.message, /versions\/1\/replicas: replicas must be a whole number/);
    assert.throws(() => encodeReplicas(0), /replicas 0: must be a whole number from 1/);
    assert.throws(
      () => encodeWorker({ id: 'a/b', node: 'n', address: '', port: 0, capacityBytes: 1 }),
      /worker id/,
    );
    assert.throws(() => decodeAssignment('{"partitions":"mlp/1/s/0"}'), /partitions must be a list/);
  });
});
