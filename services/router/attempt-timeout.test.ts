import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { attemptTimeoutMs, type AttemptTimeoutOptions } from './attempt-timeout.js';
import { LatencyWindow } from './latency-window.js';

const options: AttemptTimeoutOptions = {
  quantile: 0.99,
  factor: 3,
  floorMs: 100,
  ceilingMs: 2_000,
  minSamples: 10,
};

/** A window of 100 samples whose p99 is `p99Ms` (the others are faster). */
function windowWithP99(p99Ms: number): LatencyWindow {
  const w = new LatencyWindow(100);
  for (let i = 0; i < 98; i++) w.record(1);
  w.record(p99Ms);
  w.record(p99Ms * 10);
  return w;
}

void describe('attemptTimeoutMs', () => {
  void test('p99 × factor when between floor and ceiling', () => {
    assert.equal(attemptTimeoutMs(options, windowWithP99(200), 1, 60_000), 600);
  });

  void test('clamped to the floor and to the ceiling', () => {
    assert.equal(attemptTimeoutMs(options, windowWithP99(5), 1, 60_000), 100);
    assert.equal(attemptTimeoutMs(options, windowWithP99(5_000), 1, 60_000), 2_000);
  });

  void test('the ceiling until the window holds minSamples', () => {
    const w = new LatencyWindow(100);
    for (let i = 0; i < 9; i++) w.record(1);
    assert.equal(attemptTimeoutMs(options, w, 1, 60_000), 2_000);
    w.record(1);
    assert.equal(attemptTimeoutMs(options, w, 1, 60_000), 100);
  });

  void test('doubles for each attempt already made, up to the ceiling', () => {
    const w = windowWithP99(200);
    assert.deepEqual(
      [1, 2, 3, 4].map((attempt) => attemptTimeoutMs(options, w, attempt, 60_000)),
      [600, 1_200, 2_000, 2_000],
    );
  });

  void test("none when the request's deadline comes first: the deadline ends that attempt", () => {
    const w = windowWithP99(200);
    assert.equal(attemptTimeoutMs(options, w, 1, 601), 600);
    assert.equal(attemptTimeoutMs(options, w, 1, 600), undefined);
    assert.equal(attemptTimeoutMs(options, w, 1, 50), undefined);
  });
});
