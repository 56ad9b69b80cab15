import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Metadata, status as Status } from '@grpc/grpc-js';
import { pino } from 'pino';
import { ServiceError } from '../../lib/grpc/service-error.js';
import type { Plan } from '../../lib/plan/schema.js';
import type { Tensor } from '../../lib/tensor/tensor.js';
import type { ShardInstance } from '../../registry/registry.js';
import { buildRoutingTable } from './routing-table.js';
import type { Clock } from './clock.js';
import type { PartitionCall, PartitionCaller } from './partition-call.js';
import { executePlan, type ExecutionContext } from './plan-executor.js';
import { ReplicaPicker } from './replica-picker.js';
import { RetryBudget } from './retry-budget.js';
import { RetryPolicy } from './retry-policy.js';
import type { ExecutionObserver } from './execution-observer.js';
import { ManualClock } from './manual-clock.js';
import { PartitionLatencies } from './latency-window.js';
import { OutlierDetector } from './outlier-detector.js';
import type { AttemptGuards } from './plan-executor.js';

const f32 = (values: number[]): Buffer => Buffer.from(new Float32Array(values).buffer);

/** One stage, one partition, whose output `y` is gathered by `sum`: a retry must not add twice. */
const plan: Plan = {
  name: 'm',
  version: '1',
  inputs: [{ name: 'x', datatype: 'FP32', shape: [2] }],
  outputs: [{ name: 'y', datatype: 'FP32', shape: [2] }],
  maxBatchSize: 0,
  stages: [
    {
      name: 'main',
      partitions: [{ file: 'p0.onnx' }],
      inputs: [{ name: 'x', scatter: { kind: 'replicate' } }],
      outputs: [{ name: 'y', gather: { kind: 'sum' } }],
    },
  ],
};
const x: Tensor = { name: 'x', datatype: 'FP32', shape: [2], data: f32([1, 2]) };

const replica = (id: string): ShardInstance => ({
  id,
  address: '127.0.0.1',
  port: 7000,
  model: 'm',
  version: '1',
  stage: 'main',
  partition: 0,
  partitionCount: 1,
  identity: `spiffe://shardmesh.test/shard/${id}`,
});

/** What a replica does with each call: answer `values`, or send `before` and then fail with `code`. */
type Behaviour = { values: number[] } | { code: Status; before?: number[] };

/** A caller that follows each replica's script and records which replica each attempt went to. */
function scriptedCaller(script: Record<string, Behaviour>): PartitionCaller & { calls: string[] } {
  const calls: string[] = [];
  const caller = async (call: PartitionCall) => {
    calls.push(call.instance.id);
    const behaviour = script[call.instance.id]!;
    call.sink.header([{ name: 'y', datatype: 'FP32', shape: [2] }]);
    if ('values' in behaviour) {
      call.sink.chunk(0, 0, f32(behaviour.values));
      return { receive_us: 0, compute_us: 0, instance_id: call.instance.id };
    }
    if (behaviour.before) call.sink.chunk(0, 0, f32(behaviour.before));
    throw new ServiceError(behaviour.code, `${call.instance.id} says ${Status[behaviour.code]}`);
  };
  return Object.assign(caller, { calls });
}

/** A clock that never waits: `sleep` moves time on and records the delay. */
function fakeClock(): Clock & { sleeps: number[] } {
  let now = 1_000_000;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: (ms) => {
      sleeps.push(ms);
      now += ms;
      return Promise.resolve();
    },
  };
}

interface Setup {
  replicas: ShardInstance[];
  call: PartitionCaller;
  retry?: RetryPolicy;
  picker?: ReplicaPicker;
  clock?: Clock;
  deadlineMs?: number;
  attempts?: AttemptGuards;
}

function context(s: Setup): ExecutionContext {
  const table = buildRoutingTable(s.replicas);
  const clock = s.clock ?? fakeClock();
  return {
    requestId: 'r1',
    deadline: new Date(clock.now() + (s.deadlineMs ?? 60_000)),
    signal: new AbortController().signal,
    table: () => table,
    picker: s.picker ?? new ReplicaPicker(),
    call: s.call,
    retry: s.retry ?? newPolicy(),
    clock,
    chunkBytes: 1 << 20,
    log: pino({ level: 'silent' }),
    ...(s.attempts ? { attempts: s.attempts } : {}),
  };
}

const newPolicy = (budget = new RetryBudget(100, 1), maxAttempts = 3): RetryPolicy =>
  new RetryPolicy(
    { maxAttempts, initialBackoffMs: 10, maxBackoffMs: 1000, backoffMultiplier: 2 },
    budget,
    () => 0.5,
  );

const [a, b] = [replica('a'), replica('b')] as const;

/** A picker that prefers `a`: `b` already has a call open, so only exclusion can move a pick to `b`. */
function pickerPreferringA(): ReplicaPicker {
  const picker = new ReplicaPicker();
  picker.begin(b);
  return picker;
}

const y = async (ctx: ExecutionContext): Promise<number[]> => {
  const out = (await executePlan(plan, new Map([['x', x]]), ctx)).get('y')!;
  return Array.from(new Float32Array(Uint8Array.from(out.data).buffer));
};

const codeOf = (error: unknown): string => Status[(error as ServiceError).code];

void describe('executePlan retries', () => {
  void test('INTERNAL from a replica is not retried: one call, INTERNAL out, no budget spent', async () => {
    const call = scriptedCaller({ a: { code: Status.INTERNAL }, b: { values: [5, 6] } });
    const budget = new RetryBudget(10, 1);
    const clock = fakeClock();
    const ctx = context({
      replicas: [a, b],
      call,
      retry: newPolicy(budget),
      clock,
      picker: pickerPreferringA(),
    });
    await assert.rejects(y(ctx), (error) => codeOf(error) === 'INTERNAL');
    assert.deepEqual(call.calls, ['a']);
    assert.deepEqual(clock.sleeps, []);
    assert.equal(budget.tokens, 10);
  });

  void test('UNAVAILABLE mid-stream is retried on the other replica, whose answer alone is summed', async () => {
    const call = scriptedCaller({
      a: { code: Status.UNAVAILABLE, before: [100, 100] },
      b: { values: [5, 6] },
    });
    const clock = fakeClock();
    const ctx = context({ replicas: [a, b], call, clock, picker: pickerPreferringA() });
    assert.deepEqual(await y(ctx), [5, 6]);
    assert.deepEqual(call.calls, ['a', 'b']);
    assert.deepEqual(clock.sleeps, [5]); // random 0.5 of the first bound, 10 ms
  });

  void test('the observer hears each attempt on its replica, with bytes, and the retry with its reason', async () => {
    const call = scriptedCaller({
      a: { code: Status.UNAVAILABLE, before: [100, 100] },
      b: { values: [5, 6] },
    });
    const heard: string[] = [];
    const observer: ExecutionObserver = {
      partition: (p, stage, partition) => ({
        replica: (r) => ({
          ended: (ok, _ms, sent, received) =>
            heard.push(
              `${p.name}/${stage.name}/${partition} ${r.id} ${ok ? 'ok' : 'failed'} ${sent}>${received}<`,
            ),
        }),
        retried: (reason) => heard.push(`retry ${reason}`),
      }),
    };
    const ctx = { ...context({ replicas: [a, b], call, picker: pickerPreferringA() }), observer };
    assert.deepEqual(await y(ctx), [5, 6]);
    // x is two FP32 (8 bytes); a sent back 8 bytes before failing, b its two values.
    assert.deepEqual(heard, [
      `${plan.name}/${plan.stages[0]!.name}/0 a failed 8>8<`,
      'retry unavailable',
      `${plan.name}/${plan.stages[0]!.name}/0 b ok 8>8<`,
    ]);
  });

  void test('with one replica, UNAVAILABLE is retried on it with growing backoff up to maxAttempts', async () => {
    const call = scriptedCaller({ a: { code: Status.UNAVAILABLE } });
    const clock = fakeClock();
    const ctx = context({ replicas: [a], call, clock, retry: newPolicy(new RetryBudget(100, 1), 3) });
    await assert.rejects(y(ctx), (error) => {
      assert.equal(codeOf(error), 'UNAVAILABLE');
      assert.match((error as ServiceError).details, /gave up after 3 attempt\(s\) on 1 replica\(s\)/);
      return true;
    });
    assert.deepEqual(call.calls, ['a', 'a', 'a']);
    assert.deepEqual(clock.sleeps, [5, 10]);
  });

  void test('RESOURCE_EXHAUSTED from every replica: the client hears the shards had no room, a server limit', async () => {
    const call = scriptedCaller({ a: { code: Status.RESOURCE_EXHAUSTED } });
    const ctx = context({
      replicas: [a],
      call,
      clock: fakeClock(),
      retry: newPolicy(new RetryBudget(100, 1), 2),
    });
    await assert.rejects(y(ctx), (error) => {
      assert.equal(codeOf(error), 'RESOURCE_EXHAUSTED');
      assert.match(
        (error as ServiceError).details,
        /gave up after 2 attempt\(s\) on 1 replica\(s\), last status RESOURCE_EXHAUSTED: the shards had no room for it \(their in-flight byte budgets were full, or memory for the run could not be allocated\); retry later \(this is a server limit, not your quota\)/,
      );
      return true;
    });
    assert.deepEqual(call.calls, ['a', 'a']);
  });

  void test("the router's budget stops retries once failures have spent half of it", async () => {
    const call = scriptedCaller({ a: { code: Status.UNAVAILABLE }, b: { values: [5, 6] } });
    // 4 tokens, nothing back per success: the first failure leaves 3 (> 2, retry), the second 2.
    // No burst window: both failures are a's, at one instant, and each must be charged here.
    const retry = newPolicy(new RetryBudget(4, 0, 0));
    const picker = pickerPreferringA();
    const first = context({ replicas: [a, b], call, retry, picker });
    assert.deepEqual(await y(first), [5, 6]);
    assert.deepEqual(call.calls, ['a', 'b']);
    const second = context({ replicas: [a, b], call, retry, picker });
    await assert.rejects(y(second), (error) => {
      assert.equal(codeOf(error), 'UNAVAILABLE');
      assert.match((error as ServiceError).details, /retry budget is spent/);
      return true;
    });
    assert.deepEqual(call.calls, ['a', 'b', 'a']);
  });

  void test('no retry whose backoff would pass the deadline', async () => {
    const call = scriptedCaller({ a: { code: Status.UNAVAILABLE }, b: { values: [5, 6] } });
    const clock = fakeClock();
    const ctx = context({ replicas: [a, b], call, clock, deadlineMs: 5, picker: pickerPreferringA() });
    await assert.rejects(y(ctx), /no time for a retry before the deadline/);
    assert.deepEqual(call.calls, ['a']);
    assert.deepEqual(clock.sleeps, []);
  });

  void test("a shard's failure reaches the client without the shard's id, address or identity", async () => {
    /** Fails the way a shard stream does: a grpc-js-shaped error whose details name internals. */
    const failing =
      (code: Status): PartitionCaller =>
      (call) =>
        Promise.reject(
          Object.assign(new Error('shard failed'), {
            code,
            details: `${call.instance.id} at 10.0.0.7:4100 (spiffe://mesh/shard/${call.instance.id}) refused`,
            metadata: new Metadata(),
          }),
        );
    const leaks = /10\.0\.0\.7|spiffe:|\b[ab]\b refused/;
    for (const [code, expected] of [
      [Status.PERMISSION_DENIED, 'INTERNAL'],
      [Status.NOT_FOUND, 'NOT_FOUND'],
      [Status.UNAVAILABLE, 'UNAVAILABLE'],
    ] as const) {
      const ctx = context({
        replicas: [a, b],
        call: failing(code),
        retry: newPolicy(new RetryBudget(100, 1), 2),
      });
      await assert.rejects(y(ctx), (error) => {
        assert.equal(codeOf(error), expected, Status[code]);
        assert.doesNotMatch((error as ServiceError).details, leaks, Status[code]);
        return true;
      });
    }
  });

  void test('no replica registered is UNAVAILABLE without a call', async () => {
    const call = scriptedCaller({});
    await assert.rejects(y(context({ replicas: [], call })), /no healthy replica is registered/);
    assert.deepEqual(call.calls, []);
  });
});

/**
 * A caller whose replicas in `hung` send part of an answer and then nothing (a SIGSTOPped shard):
 * their call ends only when its signal aborts, with CANCELLED, as `callPartition` ends it. The
 * others answer `values`.
 */
function hangingCaller(hung: ReadonlySet<string>, values: number[]) {
  const calls: string[] = [];
  const aborted: string[] = [];
  const caller: PartitionCaller = async (call) => {
    calls.push(call.instance.id);
    call.sink.header([{ name: 'y', datatype: 'FP32', shape: [2] }]);
    if (!hung.has(call.instance.id)) {
      call.sink.chunk(0, 0, f32(values));
      return { receive_us: 0, compute_us: 0, instance_id: call.instance.id };
    }
    call.sink.chunk(0, 0, f32([100, 100]));
    return new Promise((_, reject) =>
      call.signal.addEventListener('abort', () => {
        aborted.push(call.instance.id);
        reject(new ServiceError(Status.CANCELLED, 'the client cancelled the request'));
      }),
    );
  };
  return Object.assign(caller, { calls, aborted });
}

/** Guards whose windows for partition 0 already say p99 = 10 ms: attempt timeouts of 100 ms. */
function guards(clock: ManualClock, consecutiveFailures = 2): AttemptGuards {
  const latencies = new PartitionLatencies(64);
  for (let i = 0; i < 16; i++) latencies.window('m\n1\nmain\n0').record(10);
  return {
    latencies,
    timeout: { quantile: 0.99, factor: 3, floorMs: 100, ceilingMs: 1_000, minSamples: 16 },
    outliers: new OutlierDetector(
      { consecutiveFailures, baseEjectionMs: 30_000, maxEjectionMs: 300_000 },
      clock,
    ),
  };
}

/** Settles `run`, moving `clock` on 5 ms at a time; returns the result and the time it took. */
async function drive<T>(clock: ManualClock, run: Promise<T>): Promise<{ value: T; tookMs: number }> {
  const start = clock.now();
  let done = false;
  const settled = run.finally(() => (done = true));
  settled.catch(() => undefined);
  for (let step = 0; !done; step++) {
    if (step === 2_000) throw new Error('still running after 10 s of fake time');
    await clock.advance(5);
  }
  return { value: await settled, tookMs: clock.now() - start };
}

void describe('executePlan per-attempt timeouts and outlier ejection', () => {
  void test('a hung replica is cancelled after the attempt timeout and the call retried on the other; only its answer is summed', async () => {
    const clock = new ManualClock();
    const call = hangingCaller(new Set(['a']), [5, 6]);
    const attempts = guards(clock);
    const picker = new ReplicaPicker((id) => attempts.outliers.isEjected(id));
    picker.begin(b);
    const ctx = context({ replicas: [a, b], call, clock, picker, attempts });
    const { value, tookMs } = await drive(clock, y(ctx));
    assert.deepEqual(value, [5, 6]);
    assert.deepEqual(call.calls, ['a', 'b']);
    assert.deepEqual(call.aborted, ['a'], "the hung attempt's call was cancelled");
    // 100 ms timeout, then the 5 ms backoff; the fake clock moves in 5 ms steps.
    assert.ok(tookMs >= 100 && tookMs <= 110, `took ${tookMs} ms`);
    assert.equal(attempts.outliers.isEjected('a'), false, 'one timeout does not eject');
    assert.equal(attempts.latencies.window('m\n1\nmain\n0').size, 17, "b's latency was recorded");
  });

  void test('a partition with one replica is not cut by the attempt timeout: a retry could only restart the same work there', async () => {
    const clock = new ManualClock();
    const calls: string[] = [];
    const slow: PartitionCaller = async (c) => {
      calls.push(c.instance.id);
      await clock.sleep(400, c.signal);
      c.sink.header([{ name: 'y', datatype: 'FP32', shape: [2] }]);
      c.sink.chunk(0, 0, f32([7, 8]));
      return { receive_us: 0, compute_us: 0, instance_id: c.instance.id };
    };
    const ctx = context({ replicas: [a], call: slow, clock, attempts: guards(clock) });
    const { value, tookMs } = await drive(clock, y(ctx));
    assert.deepEqual(value, [7, 8]);
    assert.deepEqual(calls, ['a'], 'one attempt, run to its end');
    assert.ok(tookMs >= 400, `took ${tookMs} ms`);
  });

  void test('after consecutiveFailures timeouts the replica is ejected and later calls go straight to the other', async () => {
    const clock = new ManualClock();
    const call = hangingCaller(new Set(['a']), [5, 6]);
    const attempts = guards(clock, 2);
    const picker = new ReplicaPicker((id) => attempts.outliers.isEjected(id));
    picker.begin(b);
    for (let i = 0; i < 2; i++)
      await drive(clock, y(context({ replicas: [a, b], call, clock, picker, attempts })));
    assert.equal(attempts.outliers.isEjected('a'), true);
    call.calls.length = 0;
    const { value, tookMs } = await drive(
      clock,
      y(context({ replicas: [a, b], call, clock, picker, attempts })),
    );
    assert.deepEqual(value, [5, 6]);
    assert.deepEqual(call.calls, ['b']);
    assert.equal(tookMs, 5, 'no attempt timeout waited');
  });

  void test('an attempt that would outlive the deadline gets none: the deadline ends it, not a retry', async () => {
    const clock = new ManualClock();
    const call = hangingCaller(new Set(['a']), [5, 6]);
    const attempts = guards(clock);
    const picker = new ReplicaPicker();
    picker.begin(b);
    const controller = new AbortController();
    const ctx = { ...context({ replicas: [a, b], call, clock, picker, attempts, deadlineMs: 80 }) };
    const run = y({ ...ctx, signal: controller.signal });
    run.catch(() => undefined);
    await clock.advance(500);
    assert.deepEqual(call.calls, ['a'], 'no timeout fired within 500 ms');
    assert.deepEqual(call.aborted, []);
    controller.abort();
    await assert.rejects(run, (error) => codeOf(error) === 'CANCELLED');
  });

  void test('INVALID_ARGUMENT is neither retried nor counted against the replica', async () => {
    const clock = new ManualClock();
    const call = scriptedCaller({ a: { code: Status.INVALID_ARGUMENT }, b: { values: [5, 6] } });
    const attempts = guards(clock, 1);
    const ctx = context({ replicas: [a, b], call, clock, picker: pickerPreferringA(), attempts });
    await assert.rejects(y(ctx), (error) => codeOf(error) === 'INVALID_ARGUMENT');
    assert.deepEqual(call.calls, ['a']);
    assert.equal(attempts.outliers.isEjected('a'), false);
  });
});

/** The test plan with its output gathered by concat along axis 0: a stage that may be hedged. */
const concatPlan: Plan = {
  ...plan,
  stages: [{ ...plan.stages[0]!, outputs: [{ name: 'y', gather: { kind: 'concat', axis: 0 } }] }],
};

/** Guards with hedging on, windows for partition 0 at 10 ms: hedge after 10 ms, timeouts 100 ms. */
function hedgingGuards(clock: ManualClock): AttemptGuards {
  return { ...guards(clock), hedge: { quantile: 0.95, minSamples: 16 } };
}

const yOf = async (p: Plan, ctx: ExecutionContext): Promise<number[]> => {
  const out = (await executePlan(p, new Map([['x', x]]), ctx)).get('y')!;
  return Array.from(new Float32Array(Uint8Array.from(out.data).buffer));
};

void describe('executePlan hedging', () => {
  void test('a slow first attempt is hedged on the idle replica after p95; the hedge wins alone and the first is cancelled', async () => {
    const clock = new ManualClock();
    const call = hangingCaller(new Set(['a']), [5, 6]);
    const ctx = context({
      replicas: [a, b],
      call,
      clock,
      picker: new ReplicaPicker(),
      attempts: hedgingGuards(clock),
    });
    const { value, tookMs } = await drive(clock, yOf(concatPlan, ctx));
    assert.deepEqual(value, [5, 6], "only the hedge's bytes, none of the hung attempt's");
    assert.deepEqual(call.calls.sort(), ['a', 'b']);
    assert.deepEqual(call.aborted, ['a']);
    assert.equal(tookMs, 10, 'the hedge went out after p95 (10 ms), not the attempt timeout');
  });

  void test('no hedge for a sum stage: the first attempt runs to its timeout though the other replica is idle', async () => {
    const clock = new ManualClock();
    const call = hangingCaller(new Set(['a']), [5, 6]);
    const ctx = context({
      replicas: [a, b],
      call,
      clock,
      picker: new ReplicaPicker(),
      attempts: hedgingGuards(clock),
    });
    const { value, tookMs } = await drive(clock, yOf(plan, ctx));
    assert.deepEqual(value, [5, 6]);
    assert.deepEqual(call.calls, ['a', 'b']);
    assert.ok(tookMs >= 100, `took ${tookMs} ms: no hedge before the 100 ms timeout`);
  });

  void test('no hedge when the other replica is busy', async () => {
    const clock = new ManualClock();
    const call = hangingCaller(new Set(['a']), [5, 6]);
    const picker = new ReplicaPicker();
    const endB = picker.begin(b);
    const ctx = context({ replicas: [a, b], call, clock, picker, attempts: hedgingGuards(clock) });
    const run = yOf(concatPlan, ctx);
    run.catch(() => undefined);
    await clock.advance(50);
    assert.deepEqual(call.calls, ['a'], 'b had a call open at the hedge delay');
    endB();
    const { value } = await drive(clock, run);
    assert.deepEqual(value, [5, 6]);
    assert.deepEqual(call.calls, ['a', 'b'], 'b only after the timeout, as a retry');
  });

  void test('an attempt that answers before p95 is not hedged', async () => {
    const clock = new ManualClock();
    const call = hangingCaller(new Set(), [5, 6]);
    const ctx = context({
      replicas: [a, b],
      call,
      clock,
      picker: new ReplicaPicker(),
      attempts: hedgingGuards(clock),
    });
    const { value } = await drive(clock, yOf(concatPlan, ctx));
    assert.deepEqual(value, [5, 6]);
    assert.equal(call.calls.length, 1);
  });

  void test('a winning hedge whose output contradicts the plan fails the request with INTERNAL', async () => {
    const clock = new ManualClock();
    const caller: PartitionCaller = async (call) => {
      if (call.instance.id === 'a')
        return new Promise((_, reject) =>
          call.signal.addEventListener('abort', () =>
            reject(new ServiceError(Status.CANCELLED, 'the client cancelled the request')),
          ),
        );
      call.sink.header([{ name: 'z', datatype: 'FP32', shape: [2] }]);
      call.sink.chunk(0, 0, f32([5, 6]));
      return { receive_us: 0, compute_us: 0, instance_id: 'b' };
    };
    const ctx = context({
      replicas: [a, b],
      call: caller,
      clock,
      picker: new ReplicaPicker(),
      attempts: hedgingGuards(clock),
    });
    await assert.rejects(drive(clock, yOf(concatPlan, ctx)), (error) => codeOf(error) === 'INTERNAL');
  });
});

void describe('executePlan with a batch smaller than the partition count', () => {
  /** A data-parallel stage cut 3 ways: `x` [B, 2] split along the batch, `y` concatenated back. */
  const batchPlan: Plan = {
    name: 'b',
    version: '1',
    inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 2] }],
    outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 2] }],
    maxBatchSize: 0,
    stages: [
      {
        name: 'main',
        partitions: [{ file: 'p0.onnx' }, { file: 'p1.onnx' }, { file: 'p2.onnx' }],
        inputs: [{ name: 'x', scatter: { kind: 'split', axis: 0 } }],
        outputs: [{ name: 'y', gather: { kind: 'concat', axis: 0 } }],
      },
    ],
  };
  const shard = (p: number): ShardInstance => ({
    ...replica(`p${p}`),
    model: 'b',
    partition: p,
    partitionCount: 3,
  });
  /** Each partition answers its slice times 10, and records that it was called. */
  const doubling =
    (called: number[]): PartitionCaller =>
    async (call) => {
      called.push(call.header.partition);
      const input = call.inputs[0]!;
      assert.ok(input.data.length > 0, `partition ${call.header.partition} was sent an empty slice`);
      const values = Array.from(new Float32Array(Uint8Array.from(input.data).buffer), (v) => v * 10);
      call.sink.header([{ name: 'y', datatype: 'FP32', shape: input.shape }]);
      call.sink.chunk(0, 0, f32(values));
      return { receive_us: 0, compute_us: 0, instance_id: call.instance.id };
    };

  for (const rows of [1, 2, 3]) {
    void test(`a batch of ${rows} runs on ${rows} partition(s), the rest are not called`, async () => {
      const called: number[] = [];
      const ctx = context({ replicas: [shard(0), shard(1), shard(2)], call: doubling(called) });
      const input = Array.from({ length: rows * 2 }, (_, i) => i + 1);
      const xb: Tensor = { name: 'x', datatype: 'FP32', shape: [rows, 2], data: f32(input) };
      const out = (await executePlan(batchPlan, new Map([['x', xb]]), ctx)).get('y')!;
      assert.deepEqual(out.shape, [rows, 2]);
      assert.deepEqual(
        Array.from(new Float32Array(Uint8Array.from(out.data).buffer)),
        input.map((v) => v * 10),
      );
      assert.deepEqual(called.sort(), [0, 1, 2].slice(0, rows));
    });
  }
});
