import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BlockingAnswer } from './consul-client.js';
import { toConsulService } from './consul-record.js';
import { watchPassingShards, type PassingInstancesSource } from './consul-watch.js';
import type { ShardInstance } from './registry.js';
import { pollUntil } from './registry-testing.js';

/**
 * The blocking-query rules, against a scripted source: each query takes the next scripted answer
 * (or error) and records the index it was asked with. A real agent cannot be made to send an
 * index that goes backwards, hence the script.
 */

const shard = (id: string): ShardInstance => ({
  id,
  address: '127.0.0.1',
  port: 7000,
  model: 'ocr',
  version: '1',
  stage: 'main',
  partition: 0,
  partitionCount: 1,
  identity: 'spiffe://shardmesh.test/shard/x',
});

const entry = (id: string) => {
  const service = toConsulService(shard(id), { ttlMs: 1000, deregisterAfterMs: 60_000 }, 'passing');
  return {
    Node: { Address: '127.0.0.1' },
    Service: { ID: id, Address: service.address, Port: 7000, Meta: service.meta },
  };
};

type Step = BlockingAnswer<unknown> | Error;

const until = (condition: () => boolean): Promise<true> =>
  pollUntil(() => condition(), { timeoutMs: 5000, intervalMs: 5, what: String(condition) });

function scripted(steps: Step[]): PassingInstancesSource & { asked: bigint[] } {
  const asked: bigint[] = [];
  return {
    asked,
    passingInstances: async (_service, query) => {
      asked.push(query.index);
      const step = steps.shift();
      if (step === undefined) {
        // Block like Consul until the watch is closed.
        await new Promise((_resolve, reject) =>
          query.signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true }),
        );
        throw new Error('unreachable');
      }
      if (step instanceof Error) throw step;
      return step;
    },
  };
}

void describe('watchPassingShards', () => {
  void it('follows the blocking-query index rules and reports only real changes', async () => {
    const source = scripted([
      { index: 5n, body: [entry('a')] },
      { index: 5n, body: [entry('a')] }, // wait timed out: same index
      { index: 6n, body: [entry('a')] }, // index moved, list did not (e.g. a check's output)
      { index: 8n, body: [entry('a'), entry('b')] },
      { index: 3n, body: [entry('b')] }, // went backwards: deliver, then restart from 0
      { index: 0n, body: [entry('b')] }, // a zero index must not become a spin
      { index: 9n, body: [entry('b')] },
    ]);
    const calls: string[][] = [];
    const errors: Error[] = [];
    const watch = watchPassingShards(
      source,
      (list) => calls.push(list.map((i) => i.id)),
      (e) => errors.push(e),
      { waitMs: 1000 },
    );
    await until(() => source.asked.length === 8);
    watch.close();
    assert.deepEqual(calls, [['a'], ['a', 'b'], ['b']]);
    assert.deepEqual(source.asked, [0n, 5n, 5n, 6n, 8n, 0n, 1n, 9n]);
    assert.deepEqual(errors, []);
  });

  void it('skips malformed entries, reporting each, without dropping the good ones', async () => {
    const bad = { ...entry('bad'), Service: { ...entry('bad').Service, Meta: { model: 'ocr' } } };
    const source = scripted([{ index: 2n, body: [entry('a'), bad] }]);
    const calls: string[][] = [];
    const errors: Error[] = [];
    const watch = watchPassingShards(
      source,
      (l) => calls.push(l.map((i) => i.id)),
      (e) => errors.push(e),
    );
    await until(() => calls.length === 1);
    watch.close();
    assert.deepEqual(calls, [['a']]);
    assert.equal(errors.length, 1);
    assert.match(errors[0]?.message ?? '', /service bad: /);
  });

  void it('reports errors and retries with a doubling backoff, keeping the last list', async () => {
    const source = scripted([
      { index: 2n, body: [entry('a')] },
      new Error('connection refused'),
      new Error('connection refused'),
      new Error('connection refused'),
      { index: 2n, body: [entry('a')] },
    ]);
    const calls: string[][] = [];
    const errorTimes: number[] = [];
    const watch = watchPassingShards(
      source,
      (l) => calls.push(l.map((i) => i.id)),
      () => errorTimes.push(Date.now()),
      { minBackoffMs: 40, maxBackoffMs: 80 },
    );
    await until(() => source.asked.length === 6);
    watch.close();
    assert.deepEqual(
      calls,
      [['a']],
      'errors are not a change, and the same list after recovery is not either',
    );
    assert.equal(errorTimes.length, 3);
    const [t0 = 0, t1 = 0, t2 = 0] = errorTimes;
    assert.ok(t1 - t0 >= 35 && t2 - t1 >= 75, `gaps ${t1 - t0} ms, ${t2 - t1} ms`);
  });

  void it('rejects a non-array body as an error, not as an empty list', async () => {
    const source = scripted([
      { index: 2n, body: { oops: true } },
      { index: 3n, body: [] },
    ]);
    const calls: string[][] = [];
    const errors: Error[] = [];
    const watch = watchPassingShards(
      source,
      (l) => calls.push(l.map((i) => i.id)),
      (e) => errors.push(e),
      {
        minBackoffMs: 1,
      },
    );
    await until(() => calls.length === 1);
    watch.close();
    assert.deepEqual(calls, [[]]);
    assert.match(errors[0]?.message ?? '', /non-array/);
  });

  void it('stops querying once closed, also while backing off', async () => {
    const closed = scripted([new Error('down'), { index: 1n, body: [] }]);
    const errors: Error[] = [];
    const watch = watchPassingShards(
      closed,
      () => {},
      (e) => errors.push(e),
      { minBackoffMs: 50 },
    );
    await until(() => errors.length === 1);
    // It is backing off now. A control watch started after it, with the same backoff, retries
    // after it would have: once the control has asked again, a closed watch that kept running
    // would have asked again too.
    const control = scripted([new Error('down'), { index: 1n, body: [] }]);
    const controlWatch = watchPassingShards(
      control,
      () => {},
      () => {},
      { minBackoffMs: 50 },
    );
    watch.close();
    await until(() => control.asked.length >= 2);
    controlWatch.close();
    assert.equal(closed.asked.length, 1);
  });
});
