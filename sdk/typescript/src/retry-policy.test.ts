import { Metadata } from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { retrying, retryDelayMs, withRetryDefaults, type RetryClock } from './retry-policy.js';
import { ShardmeshError, Status } from './shardmesh-error.js';

/** A clock that records each wait and moves time on by it at once. */
function fakeClock(
  onSleep: (ms: number) => void = () => undefined,
): RetryClock & { sleeps: number[]; t: number } {
  const clock = {
    t: 1_000,
    sleeps: [] as number[],
    now: () => clock.t,
    sleep: (ms: number, signal: AbortSignal | undefined) => {
      clock.sleeps.push(ms);
      clock.t += ms;
      onSleep(ms);
      return signal?.aborted ? Promise.reject(new Error('aborted')) : Promise.resolve();
    },
  };
  return clock;
}

const failing = (code: Status, pushbackMs?: number): ShardmeshError => {
  const metadata = new Metadata();
  if (pushbackMs !== undefined) metadata.set('grpc-retry-pushback-ms', String(pushbackMs));
  return new ShardmeshError(code, 'nope', { metadata });
};

/** An attempt function that fails with `errors` in turn, then answers 'ok'; counts its calls. */
function script(...errors: ShardmeshError[]): { attempt: () => Promise<string>; calls: () => number } {
  let n = 0;
  return {
    attempt: () => (n < errors.length ? Promise.reject(errors[n++]) : (n++, Promise.resolve('ok'))),
    calls: () => n,
  };
}

const policy = withRetryDefaults({ attempts: 4, initialBackoffMs: 100, maxBackoffMs: 250 });

describe('retries', () => {
  test('UNAVAILABLE is retried with full-jitter backoff under a growing, capped ceiling', async () => {
    const s = script(failing(Status.UNAVAILABLE), failing(Status.UNAVAILABLE), failing(Status.UNAVAILABLE));
    const clock = fakeClock();
    const heard: number[] = [];
    const answer = await retrying(s.attempt, {
      policy,
      clock,
      random: () => 0.999,
      onRetry: (e) => heard.push(e.attempt),
    });
    assert.equal(answer, 'ok');
    assert.equal(s.calls(), 4);
    assert.deepEqual(clock.sleeps.map(Math.round), [100, 200, 250]);
    assert.deepEqual(heard, [1, 2, 3]);
    assert.equal(
      retryDelayMs(failing(Status.UNAVAILABLE), 1, policy, () => 0),
      0,
    );
  });

  test('after the last attempt the last error is final', async () => {
    const errors = [1, 2, 3, 4].map(() => failing(Status.UNAVAILABLE));
    const s = script(...errors);
    await assert.rejects(retrying(s.attempt, { policy, clock: fakeClock() }), (e) => e === errors[3]);
    assert.equal(s.calls(), 4);
  });

  test('other statuses are not retried', async () => {
    for (const code of [
      Status.INVALID_ARGUMENT,
      Status.NOT_FOUND,
      Status.DEADLINE_EXCEEDED,
      Status.INTERNAL,
    ]) {
      const s = script(failing(code));
      await assert.rejects(
        retrying(s.attempt, { policy, clock: fakeClock() }),
        (e: ShardmeshError) => e.code === code,
      );
      assert.equal(s.calls(), 1, Status[code]);
    }
  });

  test('RESOURCE_EXHAUSTED is retried only after the pushback the server named; a negative one stops retries', async () => {
    const s = script(failing(Status.RESOURCE_EXHAUSTED, 750));
    const clock = fakeClock();
    assert.equal(await retrying(s.attempt, { policy, clock }), 'ok');
    assert.deepEqual(clock.sleeps, [750]);
    const bare = script(failing(Status.RESOURCE_EXHAUSTED));
    await assert.rejects(retrying(bare.attempt, { policy, clock: fakeClock() }));
    assert.equal(bare.calls(), 1);
    const refused = script(failing(Status.UNAVAILABLE, -1));
    await assert.rejects(retrying(refused.attempt, { policy, clock: fakeClock() }));
    assert.equal(refused.calls(), 1);
  });

  test('no retry whose wait would end past the deadline', async () => {
    const s = script(failing(Status.UNAVAILABLE, 300), failing(Status.UNAVAILABLE, 300));
    const clock = fakeClock();
    await assert.rejects(
      retrying(s.attempt, { policy, clock, deadlineMs: clock.t + 500 }),
      (e: ShardmeshError) => e.code === Status.UNAVAILABLE,
    );
    assert.deepEqual(clock.sleeps, [300]);
    assert.equal(s.calls(), 2);
  });

  test('an abort during the wait is CANCELLED and starts no further attempt', async () => {
    const controller = new AbortController();
    const s = script(failing(Status.UNAVAILABLE), failing(Status.UNAVAILABLE));
    const clock = fakeClock(() => controller.abort(new Error('user gave up')));
    await assert.rejects(
      retrying(s.attempt, { policy, clock, signal: controller.signal }),
      (e: ShardmeshError) => e.code === Status.CANCELLED && (e.cause as Error).message === 'user gave up',
    );
    assert.equal(s.calls(), 1);
  });

  test('an attempt that fails after an abort is CANCELLED, not retried', async () => {
    const controller = new AbortController();
    let calls = 0;
    const attempt = (): Promise<string> => {
      calls++;
      controller.abort();
      return Promise.reject(failing(Status.UNAVAILABLE));
    };
    await assert.rejects(
      retrying(attempt, { policy, clock: fakeClock(), signal: controller.signal }),
      (e: ShardmeshError) => e.code === Status.CANCELLED,
    );
    assert.equal(calls, 1);
  });

  test('options that cannot work are refused, naming the option', () => {
    assert.throws(() => withRetryDefaults({ attempts: 0 }), /retry\.attempts 0/);
    assert.throws(
      () => withRetryDefaults({ initialBackoffMs: 500, maxBackoffMs: 100 }),
      /retry\.maxBackoffMs 100/,
    );
  });
});
