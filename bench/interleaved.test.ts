import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { interleave, medianBy, roundRatios, spreadOf } from './interleaved.js';
import type { LoadPoint } from './perf-analyzer.js';

const point = (p50Us: number): LoadPoint => ({
  concurrency: 1,
  throughputPerSec: 1e6 / p50Us,
  p50Us,
  p90Us: p50Us,
  p99Us: p50Us,
  stable: true,
  command: 'pa',
});

describe('interleaved rounds', () => {
  test('take turns, first one then the other, so drift favours neither', async () => {
    const order: string[] = [];
    const rounds = await interleave(4, async (who, round) => {
      order.push(`${round}:${who}`);
      return point(who === 'mesh' ? 2_000 : 1_000);
    });
    assert.deepEqual(order, ['0:mesh', '0:peer', '1:peer', '1:mesh', '2:mesh', '2:peer', '3:peer', '3:mesh']);
    assert.deepEqual(
      rounds.map((r) => [r.first, r.mesh.p50Us, r.peer.p50Us]),
      [
        ['mesh', 2_000, 1_000],
        ['peer', 2_000, 1_000],
        ['mesh', 2_000, 1_000],
        ['peer', 2_000, 1_000],
      ],
    );
  });

  test('with the floor, take turns mesh, peer, floor, then the reverse: each compared pair side by side, ABBA', async () => {
    const order: string[] = [];
    const rounds = await interleave(
      2,
      async (who, round) => {
        order.push(`${round}:${who}`);
        return point({ mesh: 2_000, peer: 1_000, floor: 1_500 }[who]);
      },
      { floor: true },
    );
    assert.deepEqual(order, ['0:mesh', '0:peer', '0:floor', '1:floor', '1:peer', '1:mesh']);
    assert.deepEqual(
      rounds.map((r) => [r.first, r.mesh.p50Us, r.peer.p50Us, r.floor?.p50Us]),
      [
        ['mesh', 2_000, 1_000, 1_500],
        ['peer', 2_000, 1_000, 1_500],
      ],
    );
    assert.deepEqual(
      roundRatios(rounds, (p) => p.p50Us, 'floor'),
      { median: 1.5, min: 1.5, max: 1.5, rounds: 2 },
    );
    // Rounds run without the floor have no floor ratio.
    assert.equal(
      roundRatios(
        [{ first: 'mesh' as const, mesh: point(2_000), peer: point(1_000) }],
        (p) => p.p50Us,
        'floor',
      ),
      undefined,
    );
  });

  test("a round's ratio pairs its own two windows: a slow spell on the machine slows both", () => {
    // The machine is 4× slower in round 1; shardmesh is 2× KServe in rounds 0 and 1, equal in 2.
    const rounds = [
      { first: 'mesh' as const, mesh: point(2_000), peer: point(1_000) },
      { first: 'peer' as const, mesh: point(8_000), peer: point(4_000) },
      { first: 'mesh' as const, mesh: point(3_000), peer: point(3_000) },
    ];
    assert.deepEqual(
      roundRatios(rounds, (p) => p.p50Us),
      { median: 2, min: 1, max: 2, rounds: 3 },
    );
  });

  test('the median item is the lower middle one by its key; items without a key are passed over', () => {
    const items = [{ k: 3 }, { k: undefined }, { k: 1 }, { k: 4 }, { k: 2 }, { k: Number.NaN }];
    assert.deepEqual(
      medianBy(items, (x) => x.k),
      { k: 2 },
    );
    assert.deepEqual(
      medianBy(items.slice(0, 3), (x) => x.k),
      { k: 1 },
    );
    assert.equal(
      medianBy([{ k: undefined }], (x) => x.k),
      undefined,
    );
  });

  test('the median of an even count is the mean of the middle two; missing values are left out', () => {
    assert.deepEqual(spreadOf([4, 1, 3, 2]), { median: 2.5, min: 1, max: 4, rounds: 4 });
    assert.deepEqual(spreadOf([5, undefined, Number.NaN, 1, 3]), { median: 3, min: 1, max: 5, rounds: 3 });
    assert.equal(spreadOf([undefined]), undefined);
  });
});
