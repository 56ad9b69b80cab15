import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReplicaWindow } from './replica-window.js';

test('only the last minute counts: rate, nearest-rank p50/p99 of successes, failures', () => {
  const w = new ReplicaWindow(60_000);
  w.record(0, 500, true); // Older than a minute at t = 100 s: left out.
  for (let i = 1; i <= 100; i++) w.record(50_000 + i, i, true);
  w.record(90_000, 7, false);
  w.record(90_001, 3, false);
  const a = w.activity(100_000);
  assert.equal(a.requestsPerSecond, 102 / 60);
  assert.equal(a.p50Ms, 50);
  assert.equal(a.p99Ms, 99);
  assert.equal(a.failures, 2);
  assert.deepEqual(w.activity(1_000_000), { requestsPerSecond: 0, p50Ms: null, p99Ms: null, failures: 0 });
});

test('a replica busier than the ring holds reports its rate from the ring span', () => {
  const w = new ReplicaWindow(60_000);
  // 4096 attempts in 4.096 s: the ring keeps the newest 2048, spanning 2.047 s.
  for (let i = 0; i < 4096; i++) w.record(10_000 + i, 1, true);
  const a = w.activity(10_000 + 4095);
  assert.ok(Math.abs(a.requestsPerSecond - 2048 / 2.047) < 1, String(a.requestsPerSecond));
});
