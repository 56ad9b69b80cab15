import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { benchInputs, writePerfAnalyzerInput } from '../input-data.js';
import { measureThroughRouter } from '../mesh-target.js';
import { prepareMlpVariants, variantName } from '../models.js';
import { withPartitionedMesh } from '../partitioned-mesh.js';
import type { FanOutResult } from '../results.js';
import { attempt, type SuiteContext } from '../suite-context.js';

const BASE = 'fan';

/**
 * Suite 4, fan-out: one small MLP (16 MiB of weights, so compute stays small beside the mesh's
 * own cost) cut tensor-parallel into 1, 2, 4 and 8 partitions, one shard process each; latency
 * at concurrency 1. The report fits the p50s against the partition count: its slope is the
 * latency each partition adds.
 */
export async function runFanOutSuite(ctx: SuiteContext): Promise<FanOutResult> {
  const dir = path.join(ctx.workDir, 'fan-out');
  await mkdir(dir, { recursive: true });
  const shape = ctx.profile.fanOutModel;
  ctx.log(
    `fan-out: preparing an MLP ${shape.inputDim}→${shape.hiddenDim}→${shape.outputDim} cut ${ctx.profile.fanOutPartitions.join(', ')} ways`,
  );
  await prepareMlpVariants(ctx.modelsDir, BASE, shape, ctx.profile.fanOutPartitions);
  const input = await writePerfAnalyzerInput(
    path.join(dir, 'input.json'),
    benchInputs([{ name: 'x', shape: [1, shape.inputDim] }]),
  );
  const result: FanOutResult = {
    shape: { inputDim: shape.inputDim, hiddenDim: shape.hiddenDim, outputDim: shape.outputDim },
    variants: [],
  };
  for (const partitions of ctx.profile.fanOutPartitions) {
    const model = variantName(BASE, partitions);
    const variant: FanOutResult['variants'][number] = { partitions, model };
    result.variants.push(variant);
    ctx.log(`fan-out: ${model} on ${partitions} shard process(es)`);
    const measured = await attempt(() =>
      withPartitionedMesh(ctx, `fan-out-${model}`, model, partitions, (mesh, certsDir) =>
        measureThroughRouter({
          mesh,
          certsDir,
          model,
          inputData: input,
          concurrencies: [1],
          settings: ctx.profile.latency,
          outDir: dir,
          label: model,
          warmUp: ctx.profile.warmUp,
        }),
      ),
    );
    if (measured.value) variant.latency = measured.value[0];
    else variant.error = measured.error;
  }
  return result;
}
