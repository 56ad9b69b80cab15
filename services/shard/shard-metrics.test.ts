import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import type { ShardResponseKind, WireInferHeader } from '../../lib/grpc/shard-messages.js';
import type { Tensor, TensorSpec } from '../../lib/tensor/tensor.js';
import { InferCall, type InferCallContext } from './infer-call.js';
import type { ModelRunner } from './model-runner.js';
import { ShardMetrics } from './shard-metrics.js';

/** y = x, or the error it is told to throw. */
class EchoRunner implements ModelRunner {
  readonly inputs: readonly TensorSpec[] = [{ name: 'x', datatype: 'FP32', shape: [-1, 2] }];
  readonly outputNames = ['y'];
  readonly weightBytes = 0;
  failWith: Error | undefined;

  run(inputs: readonly Tensor[]): Promise<Tensor[]> {
    if (this.failWith) return Promise.reject(this.failWith);
    return Promise.resolve([{ ...inputs[0]!, name: 'y' }]);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

const header = (partition: number): WireInferHeader => ({
  request_id: 'r',
  model: 'm',
  version: '1',
  stage: 's',
  partition,
  inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 2] }],
});

test('per partition: calls, ONNX Runtime runs, failures by status; unserved partitions count as unknown', async () => {
  const served = {
    model: 'm',
    version: '1',
    stage: 's',
    partition: 0,
    partitionCount: 2,
    file: 'f',
    weightBytes: 0,
  };
  const metrics = new ShardMetrics([served]);
  const runner = new EchoRunner();
  const context: InferCallContext = {
    runner: (key) => (key === 'm/1/s/0' ? runner : undefined),
    chunkBytes: 1 << 20,
    instanceId: 'i',
    log: pino({ level: 'silent' }),
    observe: (key) => metrics.partition(key),
  };
  const sent: ShardResponseKind[] = [];
  const send = (...messages: ShardResponseKind[]): Promise<void> => {
    sent.push(...messages);
    return Promise.resolve();
  };
  const run = async (partition: number): Promise<void> => {
    const call = new InferCall(header(partition), context, send);
    call.chunk({ tensor: 0, offset: 0, data: Buffer.alloc(8) });
    await call.ended;
  };
  await run(0);
  runner.failWith = new Error('ORT says no');
  await run(0);
  await run(1);
  assert.deepEqual(
    sent.filter((m) => m.kind === 'error').map((m) => m.kind === 'error' && m.error.code),
    [2, 5], // UNKNOWN (the runner threw), NOT_FOUND (not served)
  );
  const text = await metrics.registry.metrics();
  const value = (series: string): number | undefined => {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.split(' ')[1]);
  };
  const p0 = 'model="m",version="1",stage="s",partition="0"';
  const unknown = 'model="unknown",version="unknown",stage="unknown",partition="unknown"';
  assert.equal(value(`shardmesh_shard_calls_total{${p0}}`), 2);
  assert.equal(value(`shardmesh_shard_ort_run_duration_seconds_count{${p0}}`), 1);
  assert.equal(value(`shardmesh_shard_call_failures_total{${p0},code="UNKNOWN"}`), 1);
  assert.equal(value(`shardmesh_shard_calls_total{${unknown}}`), 1);
  assert.equal(value(`shardmesh_shard_call_failures_total{${unknown},code="NOT_FOUND"}`), 1);
});
