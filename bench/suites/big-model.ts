import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { bytesLabel, GiB } from '../format.js';
import { benchInputs, writePerfAnalyzerInput } from '../input-data.js';
import { measureThroughRouter } from '../mesh-target.js';
import { mlpWeightBytes, prepareMlpVariants, variantName } from '../models.js';
import { withPartitionedMesh } from '../partitioned-mesh.js';
import { readProcessMemory } from '../process-memory.js';
import type { BigModelResult } from '../results.js';
import { attempt, type SuiteContext } from '../suite-context.js';

const BASE = 'big';

/**
 * Suite 3, a model too big for one shard: a seeded 2-layer MLP with ≥ 1 GiB of FP32 weights (a
 * smaller stand-in in quick runs, labelled so), served whole by one shard process, then cut
 * tensor-parallel 2 and 4 ways over as many shard processes. For each: latency at concurrency 1
 * and the peak resident memory (VmHWM) of the router and of every shard, read after the load.
 */
export async function runBigModelSuite(ctx: SuiteContext): Promise<BigModelResult> {
  const dir = path.join(ctx.workDir, 'big-model');
  await mkdir(dir, { recursive: true });
  const shape = ctx.profile.bigModel;
  const weightBytes = mlpWeightBytes(shape);
  ctx.log(
    `big model: preparing a ${bytesLabel(weightBytes)} MLP cut ${ctx.profile.bigModelPartitions.join(', ')} ways (first run only)`,
  );
  await prepareMlpVariants(ctx.modelsDir, BASE, shape, ctx.profile.bigModelPartitions);
  const input = await writePerfAnalyzerInput(
    path.join(dir, 'input.json'),
    benchInputs([{ name: 'x', shape: [1, shape.inputDim] }]),
  );
  const result: BigModelResult = {
    weightBytes,
    ...(weightBytes < GiB
      ? {
          standIn: `quick run: ${bytesLabel(weightBytes)} of weights stands in for the ≥ 1 GiB model of a full run`,
        }
      : {}),
    shape: { inputDim: shape.inputDim, hiddenDim: shape.hiddenDim, outputDim: shape.outputDim },
    variants: [],
  };
  for (const partitions of ctx.profile.bigModelPartitions) {
    const model = variantName(BASE, partitions);
    const variant: BigModelResult['variants'][number] = { partitions, model };
    result.variants.push(variant);
    ctx.log(`big model: ${model} on ${partitions} shard process(es)`);
    const measured = await attempt(() =>
      withPartitionedMesh(ctx, `big-model-${model}`, model, partitions, async (mesh, certsDir) => {
        const [latency] = await measureThroughRouter({
          mesh,
          certsDir,
          model,
          inputData: input,
          concurrencies: [1],
          settings: ctx.profile.transfer,
          outDir: dir,
          label: model,
        });
        // Read before the processes stop: VmHWM covers loading the partition and serving.
        const processes = await Promise.all(
          mesh.processes().map(async (p) => ({
            name: p.name,
            peakRssBytes: (await readProcessMemory(p.pid)).peakRssBytes,
          })),
        );
        return { latency, processes };
      }),
    );
    if (measured.value) Object.assign(variant, measured.value);
    else variant.error = measured.error;
  }
  return result;
}
