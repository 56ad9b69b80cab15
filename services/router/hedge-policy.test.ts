import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { StagePlan } from '../../lib/plan/schema.js';
import { hedgeDelayMs, stageMayHedge } from './hedge-policy.js';
import { LatencyWindow } from './latency-window.js';

const stage = (...kinds: ('concat' | 'sum' | 'mean')[]): StagePlan => ({
  name: 's',
  partitions: [{ file: 'p0.onnx' }, { file: 'p1.onnx' }],
  inputs: [{ name: 'x', scatter: { kind: 'replicate' } }],
  outputs: kinds.map((kind, i) => ({
    name: `y${i}`,
    gather: kind === 'concat' ? { kind, axis: 0 } : { kind },
  })),
});

/** 100 samples, 1..100 ms: p95 is 95 ms. */
function window(): LatencyWindow {
  const w = new LatencyWindow(100);
  for (let ms = 1; ms <= 100; ms++) w.record(ms);
  return w;
}

const on = { quantile: 0.95, minSamples: 16 };

void describe('hedging decisions', () => {
  void test('a concat stage is hedged after its p95', () => {
    assert.equal(hedgeDelayMs(on, stage('concat'), window(), 60_000), 95);
  });

  void test('never when hedging is off', () => {
    assert.equal(hedgeDelayMs(undefined, stage('concat'), window(), 60_000), undefined);
  });

  void test('never for a stage with a sum or mean output, even beside a concat', () => {
    assert.equal(stageMayHedge(stage('concat', 'sum')), false);
    assert.equal(stageMayHedge(stage('mean')), false);
    assert.equal(hedgeDelayMs(on, stage('concat', 'sum'), window(), 60_000), undefined);
  });

  void test('not before the window holds minSamples', () => {
    const w = new LatencyWindow(100);
    for (let i = 0; i < 15; i++) w.record(10);
    assert.equal(hedgeDelayMs(on, stage('concat'), w, 60_000), undefined);
    w.record(10);
    assert.equal(hedgeDelayMs(on, stage('concat'), w, 60_000), 10);
  });

  void test("not when the request's deadline comes first", () => {
    assert.equal(hedgeDelayMs(on, stage('concat'), window(), 95), undefined);
    assert.equal(hedgeDelayMs(on, stage('concat'), window(), 96), 95);
  });
});
