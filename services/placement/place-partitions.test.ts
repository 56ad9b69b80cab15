import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { placePartitions, type PlacementWorker, type WantedPartition } from './place-partitions.js';

const MiB = 1 << 20;
const worker = (id: string, node: string, capacityBytes = 100 * MiB): PlacementWorker => ({
  id,
  node,
  capacityBytes,
});
const part = (key: string, bytes = 10 * MiB, replicas = 2): WantedPartition => ({ key, bytes, replicas });
const none = new Map<string, string[]>();
/** Which nodes hold each partition, sorted. */
const nodesOf = (workers: readonly PlacementWorker[], assignments: Map<string, string[]>) => {
  const node = new Map(workers.map((w) => [w.id, w.node]));
  const out = new Map<string, string[]>();
  for (const [id, keys] of assignments)
    for (const k of keys) out.set(k, [...(out.get(k) ?? []), node.get(id)!].sort());
  return out;
};

describe('placePartitions', () => {
  test('spreads the replicas of each partition over different nodes', () => {
    // Two workers on host a, one on b: both replicas of a partition must not both land on a.
    const workers = [worker('a1', 'a'), worker('a2', 'a'), worker('b1', 'b')];
    const wanted = [part('m/1/s/0'), part('m/1/s/1')];
    const { assignments, unplaced } = placePartitions(workers, wanted, none);
    assert.deepEqual(unplaced, []);
    const nodes = nodesOf(workers, assignments);
    assert.deepEqual(nodes.get('m/1/s/0'), ['a', 'b']);
    assert.deepEqual(nodes.get('m/1/s/1'), ['a', 'b']);
  });

  test('respects capacity, biggest first, and reports what fits nowhere', () => {
    const workers = [worker('w1', 'a', 30 * MiB), worker('w2', 'b', 30 * MiB)];
    const wanted = [part('m/1/s/0', 20 * MiB, 2), part('m/1/s/1', 20 * MiB, 1), part('m/1/s/2', 5 * MiB, 2)];
    const { assignments, unplaced } = placePartitions(workers, wanted, none);
    for (const [id, keys] of assignments) {
      const bytes = keys.reduce((n, k) => n + wanted.find((p) => p.key === k)!.bytes, 0);
      assert.ok(bytes <= 30 * MiB, `${id} holds ${bytes} bytes`);
    }
    assert.deepEqual(unplaced, [{ key: 'm/1/s/1', missing: 1 }]);
    assert.deepEqual(assignments.get('w1'), ['m/1/s/0', 'm/1/s/2']);
    assert.deepEqual(assignments.get('w2'), ['m/1/s/0', 'm/1/s/2']);
  });

  test('puts a new replica where there is most room, then least load', () => {
    const workers = [worker('w1', 'a', 100 * MiB), worker('w2', 'b', 50 * MiB), worker('w3', 'c', 100 * MiB)];
    const current = new Map([['w1', ['m/1/s/0']]]);
    const wanted = [part('m/1/s/0', 10 * MiB, 1), part('m/1/s/1', 10 * MiB, 1)];
    const { assignments } = placePartitions(workers, wanted, current);
    assert.deepEqual(assignments.get('w3'), ['m/1/s/1']);
  });

  test("reassigns a dead worker's partitions and leaves the healthy replicas where they are", () => {
    const workers = [worker('a1', 'a'), worker('b1', 'b'), worker('c1', 'c')];
    const wanted = [part('m/1/s/0'), part('m/1/s/1')];
    const before = placePartitions(workers, wanted, none).assignments;
    const dead = [...before].find(([, keys]) => keys.length > 0)![0];
    const alive = workers.filter((w) => w.id !== dead);
    const after = placePartitions(alive, wanted, before).assignments;
    assert.ok(!after.has(dead));
    for (const w of alive)
      for (const k of before.get(w.id)!) assert.ok(after.get(w.id)!.includes(k), `${k} moved off ${w.id}`);
    const nodes = nodesOf(alive, after);
    assert.equal(nodes.get('m/1/s/0')!.length, 2);
    assert.equal(nodes.get('m/1/s/1')!.length, 2);
    assert.equal(new Set(nodes.get('m/1/s/0')).size, 2, 'still on two nodes');
  });

  test('is stable: placing again with its own output changes nothing', () => {
    const workers = [worker('a1', 'a'), worker('a2', 'a'), worker('b1', 'b'), worker('c1', 'c')];
    const wanted = [part('m/1/s/0'), part('m/1/s/1'), part('n/3/s/0', 40 * MiB, 3)];
    const first = placePartitions(workers, wanted, none).assignments;
    // A new worker joining moves nothing that is fine either.
    const grown = [...workers, worker('d1', 'd')];
    assert.deepEqual(placePartitions(grown, wanted, first).assignments, new Map([...first, ['d1', []]]));
  });

  test('drops what is no longer wanted (an unloaded model) and extra replicas from the fullest', () => {
    const workers = [worker('w1', 'a', 100 * MiB), worker('w2', 'b', 100 * MiB)];
    const current = new Map([
      ['w1', ['gone/1/s/0', 'm/1/s/0', 'm/1/s/1']],
      ['w2', ['m/1/s/0']],
    ]);
    const { assignments } = placePartitions(
      workers,
      [part('m/1/s/0', MiB, 1), part('m/1/s/1', MiB, 1)],
      current,
    );
    assert.deepEqual(assignments.get('w1'), ['m/1/s/1']);
    assert.deepEqual(assignments.get('w2'), ['m/1/s/0']);
  });

  test('with no workers, everything is unplaced', () => {
    assert.deepEqual(placePartitions([], [part('m/1/s/0')], none).unplaced, [{ key: 'm/1/s/0', missing: 2 }]);
  });
});
