import { status as Status, type ServiceError as GrpcError } from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Tensor } from '../lib/tensor/tensor.js';
import { transformerBlock } from '../partition/models/synthetic-transformer.js';
import { randomTensor } from '../partition/models/synthetic.js';
import { splitTensorParallel } from '../partition/strategies/tensor/tensor.js';
import { writePartitionedModel } from '../partition/onnx/write.js';
import { encodeModel } from '../partition/onnx/graph.js';
import { relativeMaxError, runModel, runPartitioned } from '../partition/verify/verify.js';
import type { PartitionedModel } from '../partition/onnx/partitioned-model.js';
import { ChildLogs, type LogLine } from './harness/child-logs.js';
import { rawInferRequest, type InferResponse } from './harness/compare.js';
import { makeCertificates, startMesh, type Mesh } from './harness/mesh.js';
import { runTool, toolPath } from './harness/tools.js';

interface Statistics {
  inference_count: number;
  execution_count: number;
  batch_stats: { batch_size: number; compute_infer: { count: number } }[];
}

/** Every shard run waits this long, so requests sent meanwhile queue behind the running batch. */
const RUN_DELAY_MS = 2500;
const TOLERANCE = 1e-5;

/**
 * Dynamic batching end to end: a small transformer block (x [batch, seq, 32], seq dynamic) cut
 * tensor-parallel over two partitions on one shard, its plan asking for dynamic batching with no
 * queue delay, so a batch goes out whenever the one execution slot (one replica) is free. A
 * blocker request holds that slot (the shard delays every run); requests sent meanwhile queue and
 * go out together when it frees, except those whose non-batch shape differs.
 */
describe('dynamic batching through a router and a shard', () => {
  let certs: Awaited<ReturnType<typeof makeCertificates>>;
  let work: string;
  let mesh: Mesh;
  let original: Uint8Array;
  let split: PartitionedModel;

  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'shardmesh-batching-'));
    const model = transformerBlock({ hidden: 32, heads: 2, ffnHidden: 64, seed: 5 });
    original = encodeModel(model);
    split = await splitTensorParallel(model, { name: 'xf', version: '1', partitions: 2 });
    const { plan, models } = split;
    await writePartitionedModel(
      path.join(work, 'models', 'xf', '1'),
      {
        ...plan,
        maxBatchSize: 16,
        dynamicBatching: { preferredBatchSizes: [16], maxQueueDelayMicroseconds: 0 },
      },
      models,
    );
    certs = await makeCertificates([
      ['router', 'router'],
      ['client', 'client'],
      ['shard', 'shard-a'],
    ]);
    mesh = await startMesh({
      certsDir: certs.dir,
      modelsDir: path.join(work, 'models'),
      logs: 'pipe',
      logLevel: 'debug',
      shards: [
        { name: 'shard-a', serve: ['xf/1/*/*'], env: { SHARDMESH_TEST_RUN_DELAY_MS: String(RUN_DELAY_MS) } },
      ],
    });
    ChildLogs.tap(mesh.router);
    ChildLogs.tap(mesh.shards.get('shard-a')!);
    await mesh.waitForModel('xf');
  });

  after(async () => {
    await mesh?.stop();
    await certs?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const infer = (id: string, x: Tensor, timeoutMs?: number) =>
    mesh.client.call<InferResponse>('ModelInfer', { ...rawInferRequest('xf', [x]), id }, timeoutMs);
  const statistics = async (): Promise<Statistics> =>
    (await mesh.client.call<{ model_stats: Statistics[] }>('ModelStatistics', { name: 'xf', version: '1' }))
      .model_stats[0]!;
  const batchLines = (): LogLine[] => ChildLogs.tap(mesh.router).filter((l) => l.msg === 'batch dispatched');

  test('ModelConfig reports the plan dynamic_batching settings, as Triton own client decodes them', async () => {
    const { config } = await mesh.client.call<{
      config: {
        max_batch_size: number;
        dynamic_batching: { preferred_batch_size: number[]; max_queue_delay_microseconds: number };
      };
    }>('ModelConfig', { name: 'xf', version: '1' });
    assert.equal(config.max_batch_size, 16);
    assert.deepEqual(config.dynamic_batching, {
      preferred_batch_size: [16],
      max_queue_delay_microseconds: 0,
    });
    // tritonclient decodes with Triton's model_config.proto: field 11 must read as dynamic_batching.
    const script = [
      'import json, os, sys',
      'import tritonclient.grpc as g',
      'c = g.InferenceServerClient(url=sys.argv[1], ssl=True,',
      '  root_certificates=os.path.join(sys.argv[2], "ca.pem"),',
      '  private_key=os.path.join(sys.argv[2], "client-key.pem"),',
      '  certificate_chain=os.path.join(sys.argv[2], "client.pem"))',
      'print(json.dumps(c.get_model_config("xf", as_json=True)["config"]))',
    ].join('\n');
    const result = await runTool(
      toolPath('venv/bin/python'),
      ['-c', script, mesh.address, certs.dir],
      60_000,
    );
    assert.equal(result.code, 0, result.stderr);
    const triton = JSON.parse(result.stdout) as {
      max_batch_size: number;
      dynamic_batching?: { preferred_batch_size?: number[] };
    };
    assert.equal(triton.max_batch_size, 16);
    assert.deepEqual(triton.dynamic_batching, { preferred_batch_size: [16] });
  });

  test('requests queued together run as one execution; each gets exactly its own answer', async (t) => {
    const before = await statistics();
    const blocker = infer('blocker', randomTensor('x', [1, 6, 32], 1));
    await ChildLogs.tap(mesh.router).waitFor(
      'the blocker dispatched',
      (l) => (l['members'] as string[] | undefined)?.includes('blocker') ?? false,
    );
    // Sent while the blocker holds the only slot: same non-batch shape [6, 32], batch counts 1 to 3.
    const sizes = [1, 2, 1, 3, 1];
    const same = sizes.map((b, i) => ({ id: `same-${i}`, x: randomTensor('x', [b, 6, 32], 10 + i) }));
    // A different sequence length: never in the others' batch.
    const other = { id: 'other', x: randomTensor('x', [2, 4, 32], 20) };
    // Its deadline passes while it queues: it leaves before its batch runs.
    const late = assert.rejects(
      infer('late', randomTensor('x', [1, 6, 32], 30), 300),
      (e: GrpcError) => e.code === Status.DEADLINE_EXCEEDED,
    );
    const answers = await Promise.all([...same, other].map(({ id, x }) => infer(id, x)));
    await blocker;
    await late;

    let bitwise = 0;
    for (const [i, { id, x }] of [...same, other].entries()) {
      const [expected] = await runModel(original, [x]);
      const got = answers[i]!;
      assert.deepEqual(got.outputs[0]!.shape, expected!.shape, `${id}: shape`);
      const error = relativeMaxError({ ...expected!, data: got.raw_output_contents[0]! }, expected!);
      assert.ok(error <= TOLERANCE, `${id}: max relative error ${error} > ${TOLERANCE}`);
      // The same partitions run in-process one request at a time: what batching changed, if anything.
      const [alone] = await runPartitioned(split, [x]);
      if (got.raw_output_contents[0]!.equals(alone!.data)) bitwise++;
    }
    t.diagnostic(
      `${bitwise} of ${same.length + 1} answers bitwise equal to the same partitions run one request at a time`,
    );

    const lines = batchLines();
    const group = lines.find((l) => (l['members'] as string[]).includes('same-0'))!;
    assert.deepEqual([...(group['members'] as string[])].sort(), same.map((s) => s.id).sort());
    assert.equal(group['batchSize'], 8);
    const alone = lines.find((l) => (l['members'] as string[]).includes('other'))!;
    assert.deepEqual(alone['members'], ['other'], 'a different non-batch shape is batched apart');
    assert.ok(
      !lines.some((l) => (l['members'] as string[]).includes('late')),
      'the expired request never ran',
    );

    // The shard saw three executions (blocker, the group, other) for eight requests.
    const batchIds = new Set(
      lines
        .filter((l) => l === group || l === alone || (l['members'] as string[]).includes('blocker'))
        .map((l) => l['requestId']),
    );
    const shardIds = new Set(
      ChildLogs.tap(mesh.shards.get('shard-a')!)
        .filter((l) => typeof l['requestId'] === 'string' && String(l['partition']).startsWith('xf/'))
        .map((l) => l['requestId']),
    );
    assert.deepEqual(shardIds, batchIds);

    const after = await statistics();
    assert.equal(after.execution_count - before.execution_count, 3);
    assert.equal(after.inference_count - before.inference_count, 1 + 8 + 2);
    assert.equal(after.batch_stats.find((b) => b.batch_size === 8)?.compute_infer.count, 1);
  });

  // Last: it kills the only shard.
  test('when a batch execution fails, every member of it gets the error', async () => {
    const blocker = infer('doomed-blocker', randomTensor('x', [1, 6, 32], 40));
    const blockerFails = assert.rejects(blocker, (e: GrpcError) => e.code === Status.UNAVAILABLE);
    await ChildLogs.tap(mesh.router).waitFor(
      'the blocker dispatched',
      (l) => (l['members'] as string[] | undefined)?.includes('doomed-blocker') ?? false,
    );
    const ids = ['doomed-0', 'doomed-1', 'doomed-2'];
    const members = ids.map((id, i) =>
      assert.rejects(infer(id, randomTensor('x', [1, 6, 32], 41 + i)), (e: GrpcError) => {
        assert.equal(e.code, Status.UNAVAILABLE, `${id}: ${e.details}`);
        return true;
      }),
    );
    await ChildLogs.until('the three queued', [ChildLogs.tap(mesh.router)], () =>
      ids.every((id) =>
        ChildLogs.tap(mesh.router).lines.some((l) => l.msg === 'queued for a batch' && l['requestId'] === id),
      ),
    );
    const shard = mesh.shards.get('shard-a')!;
    shard.process.kill('SIGKILL');
    await shard.exited;
    await blockerFails;
    await Promise.all(members);
    // The router logged the dispatch before the members failed, but its log pipe may not be read yet.
    const group = await ChildLogs.tap(mesh.router).waitFor(
      'the doomed batch dispatched',
      (l) =>
        l.msg === 'batch dispatched' &&
        ((l['members'] as string[] | undefined)?.includes('doomed-0') ?? false),
      5_000,
    );
    assert.deepEqual([...(group['members'] as string[])].sort(), ids, 'the three ran as one batch');
  });
});
