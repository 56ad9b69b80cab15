import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ShardInstance } from '../../registry/registry.js';
import { buildRoutingTable } from './routing-table.js';

const shard = (id: string, overrides: Partial<ShardInstance> = {}): ShardInstance => ({
  id,
  address: '127.0.0.1',
  port: 7000,
  model: 'ocr',
  version: '1',
  stage: 'main',
  partition: 0,
  partitionCount: 2,
  identity: 'spiffe://shardmesh.test/shard/a',
  ...overrides,
});

void describe('buildRoutingTable', () => {
  const instances = [
    shard('c', { partition: 1 }),
    shard('b'),
    shard('a'),
    shard('d', { version: '2', partitionCount: 1 }),
    shard('e', { model: 'classifier', stage: 'head', partitionCount: 1 }),
  ];
  const table = buildRoutingTable(instances);

  void it('groups replicas by model/version/stage/partition, sorted by id', () => {
    assert.deepEqual(
      table.replicas('ocr', '1', 'main', 0).map((i) => i.id),
      ['a', 'b'],
    );
    assert.deepEqual(
      table.replicas('ocr', '1', 'main', 1).map((i) => i.id),
      ['c'],
    );
    assert.deepEqual(
      table.replicas('ocr', '2', 'main', 0).map((i) => i.id),
      ['d'],
    );
    assert.deepEqual(
      table.replicas('classifier', '1', 'head', 0).map((i) => i.id),
      ['e'],
    );
  });

  void it('answers an empty list for a partition nobody serves', () => {
    assert.deepEqual(table.replicas('ocr', '1', 'main', 2), []);
    assert.deepEqual(table.replicas('ocr', '3', 'main', 0), []);
    assert.deepEqual(table.replicas('nope', '1', 'main', 0), []);
  });

  void it('lists distinct model versions in order', () => {
    assert.deepEqual(table.models(), [
      { model: 'classifier', version: '1' },
      { model: 'ocr', version: '1' },
      { model: 'ocr', version: '2' },
    ]);
  });

  void it('knows which models and versions it has', () => {
    assert.equal(table.hasModel('ocr'), true);
    assert.equal(table.hasModel('ocr', '2'), true);
    assert.equal(table.hasModel('ocr', '3'), false);
    assert.equal(table.hasModel('missing'), false);
  });

  void it('is frozen and independent of its input', () => {
    const input = [shard('x'), shard('y')];
    const snapshot = buildRoutingTable(input);
    input.push(shard('z'));
    (input[0] as { port: number }).port = 1;
    assert.deepEqual(
      snapshot.instances.map((i) => [i.id, i.port]),
      [
        ['x', 7000],
        ['y', 7000],
      ],
    );
    assert.ok(Object.isFrozen(snapshot));
    assert.ok(Object.isFrozen(snapshot.instances));
    assert.ok(Object.isFrozen(snapshot.replicas('ocr', '1', 'main', 0)));
    assert.ok(Object.isFrozen(snapshot.models()));
    assert.throws(
      () => (snapshot.replicas('ocr', '1', 'main', 0) as ShardInstance[]).push(shard('w')),
      TypeError,
    );
  });

  void it('does not confuse names that contain the separator', () => {
    const tricky = buildRoutingTable([
      shard('p', { model: 'a/b', version: 'c' }),
      shard('q', { model: 'a', version: 'b/c' }),
    ]);
    assert.deepEqual(
      tricky.replicas('a/b', 'c', 'main', 0).map((i) => i.id),
      ['p'],
    );
    assert.deepEqual(
      tricky.replicas('a', 'b/c', 'main', 0).map((i) => i.id),
      ['q'],
    );
    const stages = buildRoutingTable([
      shard('y', { model: 'a', version: 'b', stage: '1/main' }),
      shard('z', { model: 'a', version: 'b/1', stage: 'main' }),
    ]);
    assert.deepEqual(
      stages.replicas('a', 'b', '1/main', 0).map((i) => i.id),
      ['y'],
    );
    assert.deepEqual(
      stages.replicas('a', 'b/1', 'main', 0).map((i) => i.id),
      ['z'],
    );
    assert.deepEqual(stages.replicas('a', 'b', '1/main', 1), []);
    assert.ok(Object.isFrozen(stages.replicas('a', 'b', '1/main', 0)));
  });

  void it('is deterministic whatever the input order', () => {
    const reversed = buildRoutingTable([...instances].reverse());
    assert.deepEqual(reversed.instances, table.instances);
    assert.deepEqual(reversed.models(), table.models());
  });

  void it('handles an empty registry', () => {
    const empty = buildRoutingTable([]);
    assert.deepEqual(empty.models(), []);
    assert.equal(empty.hasModel('ocr'), false);
    assert.deepEqual(empty.instances, []);
  });
});
