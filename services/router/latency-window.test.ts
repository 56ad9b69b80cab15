import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LatencyWindow, PartitionLatencies } from './latency-window.js';

void describe('LatencyWindow', () => {
  void test('nearest-rank quantiles over what was recorded; undefined while empty', () => {
    const w = new LatencyWindow(100);
    assert.equal(w.quantile(0.99), undefined);
    for (let ms = 100; ms >= 1; ms--) w.record(ms);
    assert.equal(w.size, 100);
    assert.equal(w.quantile(0.99), 99);
    assert.equal(w.quantile(0.95), 95);
    assert.equal(w.quantile(0.5), 50);
    assert.equal(w.quantile(1), 100);
    assert.equal(w.quantile(0.001), 1);
    const ten = new LatencyWindow(10);
    for (let ms = 1; ms <= 10; ms++) ten.record(ms);
    assert.equal(ten.quantile(0.95), 10, 'the rank rounds up: p95 of 10 samples is the slowest');
  });

  void test('keeps only the last `capacity` samples: an old slow spell is forgotten', () => {
    const w = new LatencyWindow(4);
    for (const ms of [900, 800, 5, 6, 7, 8]) w.record(ms);
    assert.equal(w.size, 4);
    assert.equal(w.quantile(1), 8);
    assert.equal(w.quantile(0.25), 5);
  });

  void test('renews its sorted copy once a sixteenth of the window has changed', () => {
    const w = new LatencyWindow(64);
    for (let ms = 1; ms <= 64; ms++) w.record(ms);
    assert.equal(w.quantile(1), 64);
    for (let i = 0; i < 3; i++) w.record(1000);
    assert.equal(w.quantile(1), 64, 'three new samples of 64: the kept order still answers');
    w.record(1000);
    assert.equal(w.quantile(1), 1000, 'the fourth renews it');
    assert.equal(w.quantile(0.05), 5 + 4 - 1, 'and the four oldest are gone from it');
  });

  void test('refuses a capacity that is not a positive integer', () => {
    assert.throws(() => new LatencyWindow(0), /^TypeError: capacity 0/);
    assert.throws(() => new LatencyWindow(1.5), /^TypeError: capacity 1.5/);
  });

  void test('PartitionLatencies keeps one window per partition key', () => {
    const book = new PartitionLatencies(8);
    book.window('m\n1\ns\n0').record(10);
    assert.equal(book.window('m\n1\ns\n0').size, 1);
    assert.equal(book.window('m\n1\ns\n1').size, 0);
  });
});
