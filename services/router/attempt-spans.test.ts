import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { status as Status } from '@grpc/grpc-js';
import { pino } from 'pino';
import { ServiceError } from '../../lib/grpc/service-error.js';
import type { Plan } from '../../lib/plan/schema.js';
import {
  recordSpansInMemory,
  type FinishedSpan,
  type SpanRecorder,
} from '../../lib/telemetry/in-memory-spans.js';
import { endSpan, SpanKind, startRootSpan } from '../../lib/telemetry/spans.js';
import type { Tensor } from '../../lib/tensor/tensor.js';
import type { ShardInstance } from '../../registry/registry.js';
import { PartitionLatencies } from './latency-window.js';
import { ManualClock } from './manual-clock.js';
import { OutlierDetector } from './outlier-detector.js';
import type { PartitionCaller } from './partition-call.js';
import { executePlan, type ExecutionContext } from './plan-executor.js';
import { ReplicaPicker } from './replica-picker.js';
import { RetryBudget } from './retry-budget.js';
import { RetryPolicy } from './retry-policy.js';
import { buildRoutingTable } from './routing-table.js';

/**
 * The executor's spans, read from an in-memory recorder: one "partition call" span per attempt,
 * retries and hedges apart, each with the replica and attempt number, and each call's header
 * carrying its own span's traceparent (what the shard continues).
 */
let recorder: SpanRecorder;
before(() => (recorder = recordSpansInMemory()));
after(() => recorder.stop());

const f32 = (values: number[]): Buffer => Buffer.from(new Float32Array(values).buffer);
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
      // concat, not sum: a stage that may be hedged.
      outputs: [{ name: 'y', gather: { kind: 'concat', axis: 0 } }],
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
const [a, b] = [replica('a'), replica('b')];

/** Replica `fails` answers UNAVAILABLE, `hangs` never answers until cancelled; others answer. */
function caller(script: { fails?: string; hangs?: string }): PartitionCaller & { traceparents: string[] } {
  const traceparents: string[] = [];
  const call: PartitionCaller = async (c) => {
    traceparents.push(c.header.traceparent ?? '');
    c.sink.header([{ name: 'y', datatype: 'FP32', shape: [2] }]);
    if (c.instance.id === script.fails) throw new ServiceError(Status.UNAVAILABLE, 'draining');
    if (c.instance.id === script.hangs)
      return new Promise((_, reject) =>
        c.signal.addEventListener('abort', () => reject(new ServiceError(Status.CANCELLED, 'cancelled'))),
      );
    c.sink.chunk(0, 0, f32([5, 6]));
    return { receive_us: 0, compute_us: 7, instance_id: c.instance.id };
  };
  return Object.assign(call, { traceparents });
}

function context(call: PartitionCaller, clock: ManualClock, hedge: boolean): ExecutionContext {
  const table = buildRoutingTable([a, b]);
  const latencies = new PartitionLatencies(64);
  for (let i = 0; i < 16; i++) latencies.window('m\n1\nmain\n0').record(10);
  const picker = new ReplicaPicker();
  return {
    requestId: 'r1',
    deadline: new Date(clock.now() + 60_000),
    signal: new AbortController().signal,
    table: () => table,
    picker,
    call,
    retry: new RetryPolicy(
      { maxAttempts: 3, initialBackoffMs: 10, maxBackoffMs: 1000, backoffMultiplier: 2 },
      new RetryBudget(100, 1),
      () => 0.5,
    ),
    clock,
    chunkBytes: 1 << 20,
    log: pino({ level: 'silent' }),
    attempts: {
      latencies,
      timeout: { quantile: 0.99, factor: 3, floorMs: 100, ceilingMs: 1_000, minSamples: 16 },
      outliers: new OutlierDetector(
        { consecutiveFailures: 5, baseEjectionMs: 30_000, maxEjectionMs: 300_000 },
        clock,
      ),
      ...(hedge ? { hedge: { quantile: 0.95, minSamples: 16 } } : {}),
    },
  };
}

/** Runs the plan under a request span, moving the fake clock on until it settles. */
async function traced(ctx: Omit<ExecutionContext, 'span'>, clock: ManualClock): Promise<FinishedSpan[]> {
  recorder.reset();
  const span = startRootSpan('request', SpanKind.SERVER);
  let done = false;
  const run = executePlan(plan, new Map([['x', x]]), { ...ctx, span }).finally(() => (done = true));
  while (!done) await clock.advance(5);
  await run;
  endSpan(span);
  return recorder.finished();
}

const attrs = (s: FinishedSpan): unknown[] => [
  s.attributes['shardmesh.replica'],
  s.attributes['shardmesh.attempt'],
  s.attributes['shardmesh.hedge'],
  s.attributes['rpc.grpc.status_code'],
];

void test('a retried partition is two attempt spans under its stage, each passing its own traceparent on', async () => {
  const clock = new ManualClock();
  const call = caller({ fails: 'a' });
  const spans = await traced(context(call, clock, false), clock);
  const stage = spans.find((s) => s.name === 'stage')!;
  const attempts = spans.filter((s) => s.name === 'partition call');
  assert.deepEqual(attempts.map(attrs), [
    ['a', 1, false, Status.UNAVAILABLE],
    ['b', 2, false, undefined],
  ]);
  for (const s of attempts) assert.equal(s.parentSpanContext?.spanId, stage.spanContext().spanId);
  assert.deepEqual(
    call.traceparents,
    attempts.map((s) => `00-${s.spanContext().traceId}-${s.spanContext().spanId}-01`),
  );
  assert.equal(attempts[1]!.attributes['shardmesh.bytes_received'], 8);
  assert.equal(attempts[1]!.attributes['shardmesh.compute_us'], 7);
  assert.deepEqual(
    spans.map((s) => s.name),
    ['partition call', 'partition call', 'merge', 'stage', 'request'],
  );
});

void test('a hedge is an attempt span of its own, marked as one; the cancelled loser ends CANCELLED', async () => {
  const clock = new ManualClock();
  const spans = await traced(context(caller({ hangs: 'a' }), clock, true), clock);
  const attempts = spans
    .filter((s) => s.name === 'partition call')
    .sort((p, q) => (p.attributes['shardmesh.replica']! < q.attributes['shardmesh.replica']! ? -1 : 1));
  assert.deepEqual(attempts.map(attrs), [
    ['a', 1, false, Status.CANCELLED],
    ['b', 1, true, undefined],
  ]);
});
