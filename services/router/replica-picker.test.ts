import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ShardInstance } from '../../registry/registry.js';
import { ReplicaPicker } from './replica-picker.js';

const replica = (id: string): ShardInstance => ({
  id,
  address: '127.0.0.1',
  port: 7000,
  model: 'm',
  version: '1',
  stage: 'main',
  partition: 0,
  partitionCount: 1,
  identity: 'spiffe://shardmesh.test/shard/a',
});

const none: ReadonlySet<string> = new Set();
const [a, b, c] = [replica('a'), replica('b'), replica('c')] as const;

void describe('ReplicaPicker', () => {
  void test('equal replicas are taken in turn', () => {
    const picker = new ReplicaPicker();
    const picks = Array.from({ length: 6 }, () => picker.pick([a, b, c], none)?.id);
    assert.deepEqual(picks, ['a', 'b', 'c', 'a', 'b', 'c']);
  });

  void test("each partition's replicas take turns, whatever other partitions are picked between", () => {
    const picker = new ReplicaPicker();
    // A two-partition model, one request at a time: partition 0 has one replica, partition 1 two.
    const picks = Array.from({ length: 4 }, () => {
      picker.pick([c], none);
      return picker.pick([a, b], none)?.id;
    });
    assert.deepEqual(picks, ['a', 'b', 'a', 'b']);
  });

  void test('the replica with the fewest outstanding calls wins', () => {
    const picker = new ReplicaPicker();
    picker.begin(a);
    picker.begin(a);
    const endB = picker.begin(b);
    assert.equal(picker.pick([a, b, c], none)?.id, 'c');
    picker.begin(c);
    picker.begin(c);
    // a: 2, b: 1, c: 2
    assert.equal(picker.pick([a, b, c], none)?.id, 'b');
    endB();
    assert.equal(picker.outstanding('b'), 0);
    assert.equal(picker.pick([a, b, c], none)?.id, 'b');
  });

  void test('ties among the least loaded go round robin, skipping busier ones', () => {
    const picker = new ReplicaPicker();
    picker.begin(b);
    const picks = Array.from({ length: 4 }, () => picker.pick([a, b, c], none)?.id);
    assert.ok(
      picks.every((id) => id !== 'b'),
      `${picks}`,
    );
    assert.deepEqual(new Set(picks), new Set(['a', 'c']));
    assert.notEqual(picks[0], picks[1]);
    assert.notEqual(picks[2], picks[3]);
  });

  void test('excluded replicas are never picked; undefined when none is left', () => {
    const picker = new ReplicaPicker();
    picker.begin(b);
    picker.begin(b);
    for (let i = 0; i < 4; i++) assert.equal(picker.pick([a, b, c], new Set(['a', 'c']))?.id, 'b');
    assert.equal(picker.pick([a, b], new Set(['a', 'b'])), undefined);
    assert.equal(picker.pick([], none), undefined);
  });

  void test('begin counts per replica; each end function counts down once, however often called', () => {
    const picker = new ReplicaPicker();
    const end1 = picker.begin(a);
    const end2 = picker.begin(a);
    picker.begin(b);
    assert.equal(picker.outstanding('a'), 2);
    assert.equal(picker.outstanding('b'), 1);
    assert.equal(picker.outstanding('c'), 0);
    end1();
    end1();
    end1();
    assert.equal(picker.outstanding('a'), 1);
    end2();
    assert.equal(picker.outstanding('a'), 0);
    end2();
    assert.equal(picker.outstanding('a'), 0);
    assert.equal(picker.outstanding('b'), 1);
    // An end after the count is gone cannot make it negative or take from a later call.
    const end3 = picker.begin(a);
    end1();
    assert.equal(picker.outstanding('a'), 1);
    end3();
    assert.equal(picker.outstanding('a'), 0);
  });

  void test('ejected replicas are skipped while another candidate is admitted, and used when none is', () => {
    const ejected = new Set(['a']);
    const picker = new ReplicaPicker((id) => ejected.has(id));
    const list = [a, b];
    for (let i = 0; i < 4; i++) assert.equal(picker.pick(list, none)?.id, 'b');
    assert.equal(picker.pick(list, new Set(['b']))?.id, 'a', 'an ejected replica before one already tried');
    ejected.add('b');
    assert.deepEqual(
      [0, 1].map(() => picker.pick(list, none)?.id).sort(),
      ['a', 'b'],
      'all ejected: taken in turn',
    );
  });
});
