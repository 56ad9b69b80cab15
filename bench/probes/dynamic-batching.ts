/**
 * Probe: does the router's dynamic batching pay? Throughput at a fixed concurrency of a dense MLP
 * and of PP-OCR's small classifier, each served twice by one router and one shard: `NAME` (every
 * request alone) and `NAME-db` (the same model with `dynamicBatching`, no queue delay). A/B runs
 * alternate, so load from other processes on the machine falls on both; medians are reported.
 *
 *   node dist/bench/probes/dynamic-batching.js [--concurrency 16] [--seconds 3] [--rounds 5]
 *
 * Not part of `npm run bench`; prints a table and a JSON line.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { makeCertificates, startLocalMesh } from '../../cli/local-mesh.js';
import type { InferenceClient } from '../../cli/inference-client.js';
import { loadModel, type ModelProto } from '../../partition/onnx/graph.js';
import { writePartitionedModel } from '../../partition/onnx/write.js';
import { mlp, randomTensor } from '../../partition/models/synthetic.js';
import type { Tensor } from '../../lib/tensor/tensor.js';
import { OCR_MODELS, ocrModelPath } from '../models.js';
import { wholeModel } from '../whole-model.js';

const { values: args } = parseArgs({
  options: {
    concurrency: { type: 'string', default: '16' },
    seconds: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '5' },
    'max-batch-size': { type: 'string', default: '64' },
  },
});
const concurrency = Number(args.concurrency);
const seconds = Number(args.seconds);
const rounds = Number(args.rounds);
const maxBatchSize = Number(args['max-batch-size']);

interface Subject {
  readonly name: string;
  readonly proto: ModelProto;
  readonly input: Tensor;
}

async function writeVariants(root: string, s: Subject): Promise<void> {
  const { plan, models } = wholeModel(s.proto, s.name);
  await writePartitionedModel(path.join(root, s.name, '1'), { ...plan, maxBatchSize }, models);
  const db = wholeModel(s.proto, `${s.name}-db`);
  await writePartitionedModel(
    path.join(root, `${s.name}-db`, '1'),
    { ...db.plan, maxBatchSize, dynamicBatching: { preferredBatchSizes: [], maxQueueDelayMicroseconds: 0 } },
    db.models,
  );
}

/** Closed loop: `concurrency` callers, each sending its next request when the last answered. */
async function measure(client: InferenceClient, model: string, input: Tensor, ms: number) {
  const request = {
    model_name: model,
    inputs: [{ name: input.name, datatype: input.datatype, shape: input.shape }],
    raw_input_contents: [input.data],
  };
  const latencies: number[] = [];
  const until = performance.now() + ms;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        const t = performance.now();
        await client.call('ModelInfer', request);
        latencies.push(performance.now() - t);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return { perSecond: latencies.length / (ms / 1000), p50Ms: latencies[Math.floor(latencies.length / 2)]! };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const work = await mkdtemp(path.join(tmpdir(), 'shardmesh-probe-batching-'));
  const certs = await makeCertificates([
    ['router', 'router'],
    ['client', 'client'],
    ['shard', 'shard-0'],
  ]);
  const subjects: Subject[] = [
    {
      name: 'mlp',
      proto: mlp({ inputDim: 512, hiddenDim: 4096, outputDim: 512, seed: 23 }),
      input: randomTensor('x', [1, 512], 1),
    },
    {
      name: 'cls',
      proto: await loadModel(ocrModelPath(OCR_MODELS.small)),
      input: randomTensor('x', [...OCR_MODELS.small.inputShape], 2),
    },
  ];
  const models = path.join(work, 'models');
  for (const s of subjects) await writeVariants(models, s);
  const names = subjects.flatMap((s) => [s.name, `${s.name}-db`]);
  const mesh = await startLocalMesh({
    certsDir: certs.dir,
    modelsDir: models,
    shards: [{ name: 'shard-0', serve: names.map((n) => `${n}/1/*/*`) }],
    models: names,
  });
  try {
    const rows: object[] = [];
    for (const s of subjects) {
      const runs: Record<string, { perSecond: number; p50Ms: number }[]> = { alone: [], batched: [] };
      for (const n of [s.name, `${s.name}-db`]) await measure(mesh.client, n, s.input, 1000);
      for (let r = 0; r < rounds; r++) {
        const order = r % 2 === 0 ? (['alone', 'batched'] as const) : (['batched', 'alone'] as const);
        for (const which of order) {
          const model = which === 'alone' ? s.name : `${s.name}-db`;
          runs[which]!.push(await measure(mesh.client, model, s.input, seconds * 1000));
        }
      }
      const stats = await mesh.client.call<{
        model_stats: { inference_count: number; execution_count: number }[];
      }>('ModelStatistics', { name: `${s.name}-db`, version: '1' });
      const { inference_count: inferences, execution_count: executions } = stats.model_stats[0]!;
      const row = {
        model: s.name,
        concurrency,
        aloneInfPerS: median(runs['alone']!.map((x) => x.perSecond)),
        batchedInfPerS: median(runs['batched']!.map((x) => x.perSecond)),
        aloneP50Ms: median(runs['alone']!.map((x) => x.p50Ms)),
        batchedP50Ms: median(runs['batched']!.map((x) => x.p50Ms)),
        meanBatch: inferences / Math.max(1, executions),
        rounds: runs,
      };
      rows.push(row);
      console.log(
        `${s.name.padEnd(4)} c=${concurrency}  alone ${row.aloneInfPerS.toFixed(0)} inf/s (p50 ${row.aloneP50Ms.toFixed(2)} ms)` +
          `  batched ${row.batchedInfPerS.toFixed(0)} inf/s (p50 ${row.batchedP50Ms.toFixed(2)} ms)` +
          `  ratio ${(row.batchedInfPerS / row.aloneInfPerS).toFixed(2)}  mean batch ${row.meanBatch.toFixed(1)}`,
      );
    }
    console.log(JSON.stringify({ probe: 'dynamic-batching', seconds, rounds, rows }));
  } finally {
    await mesh.stop();
    await certs.cleanup();
    await rm(work, { recursive: true, force: true });
  }
}

await main();
