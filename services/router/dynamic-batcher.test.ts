import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { status as Status } from '@grpc/grpc-js';
import { ServiceError } from '../../lib/grpc/service-error.js';
import {
  DynamicBatcher,
  type BatchClock,
  type BatchMember,
  type DynamicBatcherOptions,
} from './dynamic-batcher.js';

/** A clock that moves only when told, firing due timers in order. */
class ManualClock implements BatchClock {
  #t = 1_000_000;
  #timers: { at: number; fn: () => void }[] = [];
  now(): number {
    return this.#t;
  }
  setTimer(ms: number, fn: () => void): () => void {
    const timer = { at: this.#t + ms, fn };
    this.#timers.push(timer);
    return () => (this.#timers = this.#timers.filter((t) => t !== timer));
  }
  async advance(ms: number): Promise<void> {
    const until = this.#t + ms;
    for (;;) {
      const next = this.#timers.filter((t) => t.at <= until).sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      this.#timers = this.#timers.filter((t) => t !== next);
      this.#t = next.at;
      next.fn();
      await settle();
    }
    this.#t = until;
  }
}

/** Lets promise callbacks run (the batcher dispatches on a microtask). */
const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

interface Sent {
  items: string[];
  signal: AbortSignal;
  finish(): void;
  fail(error: unknown): void;
}

/** A batcher over string items whose runner answers `item@batch-number` when the test finishes it. */
function harness(options: Partial<DynamicBatcherOptions> = {}) {
  const clock = new ManualClock();
  const sent: Sent[] = [];
  const batcher = new DynamicBatcher<string, string>(
    {
      maxBatchSize: 8,
      preferredBatchSizes: [],
      maxQueueDelayMicroseconds: 0,
      capacity: () => 1,
      clock,
      ...options,
    },
    (members: readonly BatchMember<string>[], signal) =>
      new Promise((resolve, reject) => {
        const n = sent.length;
        sent.push({
          items: members.map((m) => m.item),
          signal,
          finish: () => resolve(members.map((m) => `${m.item}@${n}`)),
          fail: reject,
        });
      }),
  );
  const outcomes = new Map<string, string>();
  const submit = (
    item: string,
    o: { key?: string; size?: number; deadlineMs?: number; signal?: AbortSignal } = {},
  ) => {
    const p = batcher.submit(
      item,
      o.key ?? 'k',
      o.size ?? 1,
      clock.now() + (o.deadlineMs ?? 60_000),
      o.signal ?? new AbortController().signal,
    );
    p.then(
      (v) => outcomes.set(item, v),
      (e: ServiceError) => outcomes.set(item, `${Status[e.code]}`),
    );
    return p;
  };
  return { clock, sent, batcher, outcomes, submit };
}

void describe('DynamicBatcher', () => {
  void test('with no delay, a request runs at once; those that queue behind it run as one batch', async () => {
    const h = harness();
    void h.submit('a');
    await settle();
    assert.deepEqual(
      h.sent.map((s) => s.items),
      [['a']],
    );
    for (const item of ['b', 'c', 'd']) void h.submit(item);
    await settle();
    assert.equal(h.batcher.queued, 3, 'capacity 1: the others wait for the running batch');
    h.sent[0]!.finish();
    await settle();
    assert.deepEqual(
      h.sent.map((s) => s.items),
      [['a'], ['b', 'c', 'd']],
    );
    h.sent[1]!.finish();
    await settle();
    assert.deepEqual(Object.fromEntries(h.outcomes), { a: 'a@0', b: 'b@1', c: 'c@1', d: 'd@1' });
  });

  void test('a batch holds at most maxBatchSize elements, in arrival order', async () => {
    const blocked = harness({ maxBatchSize: 8 });
    void blocked.submit('first');
    await settle();
    for (const [item, size] of [
      ['x', 3],
      ['y', 3],
      ['z', 3],
    ] as const)
      void blocked.submit(item, { size });
    blocked.sent[0]!.finish();
    await settle();
    assert.deepEqual(blocked.sent[1]!.items, ['x', 'y'], '3 + 3 fit in 8, a third 3 does not');
    blocked.sent[1]!.finish();
    await settle();
    assert.deepEqual(blocked.sent[2]!.items, ['z']);
  });

  void test('requests with different keys never share a batch', async () => {
    const h = harness();
    void h.submit('first');
    await settle();
    void h.submit('a1', { key: 'a' });
    void h.submit('b1', { key: 'b' });
    void h.submit('a2', { key: 'a' });
    h.sent[0]!.finish();
    await settle();
    h.sent[1]!.finish();
    await settle();
    assert.deepEqual(
      h.sent.map((s) => s.items),
      [['first'], ['a1', 'a2'], ['b1']],
    );
  });

  void test('with a queue delay, a batch waits for the oldest request to have waited that long', async () => {
    const h = harness({ maxQueueDelayMicroseconds: 500, capacity: () => 4 });
    void h.submit('a');
    await h.clock.advance(0.3);
    void h.submit('b');
    await h.clock.advance(0.19);
    assert.equal(h.sent.length, 0, 'nothing is sent before 500 µs');
    await h.clock.advance(0.01);
    assert.deepEqual(
      h.sent.map((s) => s.items),
      [['a', 'b']],
    );
  });

  void test('a preferred batch size is sent as soon as it forms, without waiting out the delay', async () => {
    const h = harness({
      maxQueueDelayMicroseconds: 1_000_000,
      preferredBatchSizes: [2, 4],
      capacity: () => 4,
    });
    void h.submit('a');
    await settle();
    assert.equal(h.sent.length, 0);
    void h.submit('b');
    await settle();
    assert.deepEqual(
      h.sent.map((s) => s.items),
      [['a', 'b']],
    );
    void h.submit('c', { size: 3 });
    void h.submit('d');
    await settle();
    assert.deepEqual(h.sent[1]!.items, ['c', 'd'], '3 + 1 is the preferred 4');
  });

  void test('a batch that fills maxBatchSize is sent at once', async () => {
    const h = harness({ maxQueueDelayMicroseconds: 1_000_000, maxBatchSize: 4, capacity: () => 4 });
    void h.submit('a', { size: 2 });
    await settle();
    assert.equal(h.sent.length, 0);
    void h.submit('b', { size: 2 });
    await settle();
    assert.deepEqual(
      h.sent.map((s) => s.items),
      [['a', 'b']],
    );
  });

  void test('a request cancelled while queued leaves before its batch runs', async () => {
    const h = harness();
    void h.submit('first');
    await settle();
    const abort = new AbortController();
    void h.submit('gone', { signal: abort.signal });
    void h.submit('stays');
    abort.abort();
    await settle();
    assert.equal(h.outcomes.get('gone'), 'CANCELLED');
    h.sent[0]!.finish();
    await settle();
    assert.deepEqual(h.sent[1]!.items, ['stays']);
  });

  void test('a request past its deadline while queued fails with DEADLINE_EXCEEDED; the others run', async () => {
    const h = harness();
    void h.submit('first');
    await settle();
    void h.submit('short', { deadlineMs: 5 });
    void h.submit('long');
    await h.clock.advance(5);
    assert.equal(h.outcomes.get('short'), 'DEADLINE_EXCEEDED');
    h.sent[0]!.finish();
    await settle();
    assert.deepEqual(h.sent[1]!.items, ['long']);
  });

  void test('a member leaving a running batch does not stop it for the others; the last one leaving aborts it', async () => {
    const h = harness({ maxQueueDelayMicroseconds: 100, capacity: () => 4 });
    const abortA = new AbortController();
    void h.submit('a', { signal: abortA.signal, deadlineMs: 10 });
    void h.submit('b', { deadlineMs: 20 });
    await h.clock.advance(0.1);
    assert.deepEqual(h.sent[0]!.items, ['a', 'b']);
    abortA.abort();
    await settle();
    assert.equal(h.outcomes.get('a'), 'CANCELLED');
    assert.equal(h.sent[0]!.signal.aborted, false, 'b still waits for the batch');
    await h.clock.advance(20);
    assert.equal(h.outcomes.get('b'), 'DEADLINE_EXCEEDED');
    assert.equal(h.sent[0]!.signal.aborted, true, 'nobody waits: the batch is stopped');
  });

  void test('a failed batch fails every member with its error', async () => {
    const h = harness({ maxQueueDelayMicroseconds: 100, capacity: () => 4 });
    const results = [h.submit('a'), h.submit('b')];
    await h.clock.advance(0.1);
    const error = new ServiceError(Status.UNAVAILABLE, 'no replica');
    h.sent[0]!.fail(error);
    for (const r of results) await assert.rejects(r, (e) => e === error);
  });
});
