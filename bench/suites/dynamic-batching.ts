import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { startBenchMesh } from '../bench-mesh.js';
import { benchInputs, writePerfAnalyzerInput } from '../input-data.js';
import { measureThroughRouter } from '../mesh-target.js';
import { BENCH_MESH_SETTINGS } from '../mesh-settings.js';
import { OCR_MODELS, ocrModelPath } from '../models.js';
import { meshCertificates } from '../pki.js';
import type { DynamicBatchingResult } from '../results.js';
import { attempt, type SuiteContext } from '../suite-context.js';
import { wholeModel } from '../whole-model.js';
import { loadModel, type ModelProto } from '../../partition/onnx/graph.js';
import { mlp } from '../../partition/models/synthetic.js';
import { writePartitionedModel } from '../../partition/onnx/write.js';

/** The batch dimension's bound in both variants, so that perf_analyzer sends the same requests. */
const MAX_BATCH_SIZE = 64;

/**
 * Alone and batched take turns this many times each (once in a quick run, where the suite would
 * otherwise take a minute of its ten); the report keeps each one's best window.
 */
const rounds = (quick: boolean): number => (quick ? 1 : 2);

const BATCHED = '-batched';

interface Subject {
  readonly name: string;
  readonly label: string;
  readonly load: () => Promise<ModelProto>;
  /** One request's input, without the batch dimension (ModelConfig leaves it out). */
  readonly inputShape: readonly number[];
}

const SUBJECTS: readonly Subject[] = [
  {
    name: 'batch-mlp',
    label: 'dense MLP 512→4096→512 (16 MiB of weights)',
    load: async () => mlp({ inputDim: 512, hiddenDim: 4096, outputDim: 512, seed: 23 }),
    inputShape: [512],
  },
  {
    name: 'batch-cls',
    label: 'cls (PP-OCR classifier, convolutional)',
    load: () => loadModel(ocrModelPath(OCR_MODELS.small)),
    inputShape: OCR_MODELS.small.inputShape.slice(1),
  },
];

/**
 * Suite 5, dynamic batching: each subject served twice by one router and one shard, `NAME` (every
 * request run alone) and `NAME-batched` (the router's dynamic batching on, no queue delay), both
 * with max_batch_size 64; perf_analyzer at the profile's batching concurrency, the two variants
 * taking turns so that load from elsewhere falls on both. A dense MLP reads its weights once per
 * run, so a batch of 16 costs little more than one request; the convolutional classifier's work
 * grows with the batch, so batching saves only the per-request overhead.
 */
export async function runDynamicBatchingSuite(ctx: SuiteContext): Promise<DynamicBatchingResult> {
  const dir = path.join(ctx.workDir, 'dynamic-batching');
  const models = path.join(dir, 'models');
  await mkdir(models, { recursive: true });
  const concurrency = ctx.profile.batchingConcurrency;
  const result: DynamicBatchingResult = {
    concurrency,
    rounds: rounds(ctx.profile.quick),
    maxBatchSize: MAX_BATCH_SIZE,
    models: [],
  };
  const names: string[] = [];
  for (const s of SUBJECTS) {
    ctx.log(`dynamic batching: preparing ${s.name} and ${s.name}${BATCHED}`);
    const proto = await s.load();
    const alone = wholeModel(proto, s.name);
    await writePartitionedModel(
      path.join(models, s.name, '1'),
      { ...alone.plan, maxBatchSize: MAX_BATCH_SIZE },
      alone.models,
    );
    const batched = wholeModel(proto, `${s.name}${BATCHED}`);
    await writePartitionedModel(
      path.join(models, `${s.name}${BATCHED}`, '1'),
      {
        ...batched.plan,
        maxBatchSize: MAX_BATCH_SIZE,
        dynamicBatching: { preferredBatchSizes: [], maxQueueDelayMicroseconds: 0 },
      },
      batched.models,
    );
    names.push(s.name, `${s.name}${BATCHED}`);
  }
  const certs = await meshCertificates(1);
  try {
    ctx.log('dynamic batching: starting router + 1 shard');
    const mesh = await startBenchMesh(ctx, 'dynamic-batching', {
      ...BENCH_MESH_SETTINGS,
      modelsDir: models,
      certsDir: certs.dir,
      shards: [{ name: 'shard-0', serve: names.map((n) => `${n}/1/*/*`) }],
      models: names,
    });
    try {
      for (const s of SUBJECTS) {
        const input = await writePerfAnalyzerInput(
          path.join(dir, `${s.name}-input.json`),
          benchInputs([{ name: 'x', shape: s.inputShape }]),
        );
        const entry: DynamicBatchingResult['models'][number] = { name: s.name, label: s.label };
        result.models.push(entry);
        const measured = await attempt(async () => {
          const points: Partial<
            Record<'alone' | 'batched', DynamicBatchingResult['models'][number]['alone']>
          > = {};
          for (let round = 0; round < result.rounds; round++) {
            const order = round % 2 === 0 ? (['alone', 'batched'] as const) : (['batched', 'alone'] as const);
            for (const which of order) {
              const model = which === 'alone' ? s.name : `${s.name}${BATCHED}`;
              ctx.log(`dynamic batching: ${model} at c=${concurrency}`);
              const [point] = await measureThroughRouter({
                mesh,
                certsDir: certs.dir,
                model,
                inputData: input,
                concurrencies: [concurrency],
                settings: ctx.profile.latency,
                outDir: dir,
                label: `${model}-r${round}`,
              });
              const best = points[which];
              if (!best || point!.throughputPerSec > best.throughputPerSec) points[which] = point;
            }
          }
          return points;
        });
        if (measured.error !== undefined) {
          entry.error = measured.error;
          continue;
        }
        entry.alone = measured.value!.alone;
        entry.batched = measured.value!.batched;
        entry.meanBatch = await meanBatch(mesh.mesh.client, `${s.name}${BATCHED}`);
      }
    } finally {
      await mesh.stop();
    }
  } finally {
    await certs.cleanup();
  }
  return result;
}

interface Statistics {
  model_stats: { inference_count?: number | string; execution_count?: number | string }[];
}

/** Requests per run of the batched variant over the whole suite (Triton's statistics). */
async function meanBatch(
  client: { call<T>(method: string, request: object): Promise<T> },
  model: string,
): Promise<number | undefined> {
  const stats = await client.call<Statistics>('ModelStatistics', { name: model, version: '1' });
  const s = stats.model_stats[0];
  const inferences = Number(s?.inference_count ?? 0);
  const executions = Number(s?.execution_count ?? 0);
  return executions > 0 ? inferences / executions : undefined;
}
