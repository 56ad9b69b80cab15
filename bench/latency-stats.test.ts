import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { percentile, summarize } from './latency-stats.js';

describe('latency percentiles', () => {
  test('nearest rank, as perf_analyzer reports them', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(percentile(sorted, 50), 50);
    assert.equal(percentile(sorted, 99), 99);
    assert.equal(percentile(sorted, 100), 100);
    assert.equal(percentile([7], 99), 7);
  });

  test('summarize sorts its samples', () => {
    assert.deepEqual(summarize([30, 10, 20]), { count: 3, p50Us: 20, p90Us: 30, p99Us: 30 });
  });

  test('no samples is an error, not a zero', () => {
    assert.throws(() => percentile([], 50), RangeError);
  });
});
