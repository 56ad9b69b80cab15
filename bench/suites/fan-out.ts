import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { storeTlsFiles } from '../../certs/store.js';
import {
  floorTarget,
  recordRouterAnswers,
  startRelayFloor,
  type FloorServer,
} from '../floors/grpc-answer-floor.js';
import { runPerfAnalyzer, warmUp } from '../perf-analyzer.js';
import { CostMeter } from '../process-cost.js';
import { startBenchMesh } from '../bench-mesh.js';
import { benchInputs, writePerfAnalyzerInput } from '../input-data.js';
import { BENCH_MESH_SETTINGS } from '../mesh-settings.js';
import { measureThroughRouter } from '../mesh-target.js';
import { partitionFiles, prepareMlpVariants, variantName } from '../models.js';
import { shardPerPartitionOf } from '../partitioned-mesh.js';
import { medianBy } from '../interleaved.js';
import { meshCertificates } from '../pki.js';
import { fanOutRoundSlopeUs } from '../report/fan-out-section.js';
import type { FanOutResult, FanOutRound } from '../results.js';
import { attempt, type SuiteContext } from '../suite-context.js';

const BASE = 'fan';

/**
 * Suite 4, fan-out: one small MLP (16 MiB of weights, so compute stays small beside the mesh's
 * own cost) cut tensor-parallel into 1, 2, 4 and 8 partitions; latency at concurrency 1. One
 * router and one shard process per partition of the largest cut serve every cut at once (shard p
 * serves partition p of each cut that has one), and the cuts take turns, one perf_analyzer run
 * each per round, each round starting with the next cut: measured one after the other, minutes
 * apart, the machine's drift moved the slope between 0.45 and 1.24 ms in two runs of the same
 * code. The report fits each round's p50s against the partition count: the median of those slopes
 * is the latency each partition adds.
 *
 * In the same rounds, each cut's relay floor: bench/floors/grpc-relay-server.ts forwarding every
 * request to one grpc-model-server.ts per partition (each running its partition's file) and
 * answering the router's recorded bytes once all have answered. Its slope is what a fan-out on
 * grpc-js + mTLS costs per partition with nothing of shardmesh's own (bench/report/goals.ts).
 */
export async function runFanOutSuite(ctx: SuiteContext): Promise<FanOutResult> {
  const dir = path.join(ctx.workDir, 'fan-out');
  await mkdir(dir, { recursive: true });
  const shape = ctx.profile.fanOutModel;
  const cuts = ctx.profile.fanOutPartitions;
  ctx.log(
    `fan-out: preparing an MLP ${shape.inputDim}→${shape.hiddenDim}→${shape.outputDim} cut ${cuts.join(', ')} ways`,
  );
  await prepareMlpVariants(ctx.modelsDir, BASE, shape, cuts);
  const inputs = benchInputs([{ name: 'x', shape: [1, shape.inputDim] }]);
  const input = await writePerfAnalyzerInput(path.join(dir, 'input.json'), inputs);
  const result: FanOutResult = {
    shape: { inputDim: shape.inputDim, hiddenDim: shape.hiddenDim, outputDim: shape.outputDim },
    variants: cuts.map((partitions) => ({ partitions, model: variantName(BASE, partitions) })),
    rounds: [],
  };
  const shards = Math.max(...cuts);
  const certs = await meshCertificates(shards);
  try {
    ctx.log(`fan-out: starting a router and ${shards} shard processes for every cut`);
    const mesh = await attempt(() =>
      startBenchMesh(ctx, 'fan-out', {
        ...BENCH_MESH_SETTINGS,
        modelsDir: ctx.modelsDir,
        certsDir: certs.dir,
        shards: shardPerPartitionOf(result.variants),
        models: result.variants.map((v) => v.model),
      }),
    );
    if (!mesh.value) {
      for (const v of result.variants) v.error = `mesh did not start: ${mesh.error}`;
      return result;
    }
    const floors = new Map<number, FloorServer>();
    try {
      for (const v of result.variants) {
        ctx.log(`fan-out: starting the relay floor of ${v.model}`);
        const floor = await attempt(async () =>
          startRelayFloor(
            await recordRouterAnswers({
              address: mesh.value!.mesh.address,
              tls: storeTlsFiles(certs.dir, 'client'),
              model: v.model,
              inputs,
            }),
            path.join(dir, `${v.model}-floor-answers.json`),
            certs.dir,
            await partitionFiles(ctx.modelsDir, v.model),
          ),
        );
        if (floor.value) floors.set(v.partitions, floor.value);
        else result.floorError ??= floor.error;
      }
      const warmed = new Set<string>();
      for (let r = 0; r < ctx.profile.interleavedRounds; r++) {
        const round: FanOutRound = { points: [] };
        for (let k = 0; k < result.variants.length; k++) {
          const v = result.variants[(r + k) % result.variants.length]!;
          ctx.log(`fan-out: round ${r + 1}: ${v.model}`);
          const measured = await attempt(() =>
            measureThroughRouter({
              mesh: mesh.value!,
              certsDir: certs.dir,
              model: v.model,
              inputData: input,
              concurrencies: [1],
              settings: ctx.profile.latency,
              outDir: dir,
              label: `${v.model}-round-${r + 1}`,
              // Each cut's first run warms the router's and its shards' code for it.
              ...(warmed.has(v.model) ? {} : { warmUp: ctx.profile.warmUp }),
            }),
          );
          const latency = measured.value?.[0];
          if (latency) round.points.push({ partitions: v.partitions, latency });
          else v.error ??= measured.error;
          const floor = floors.get(v.partitions);
          if (floor) {
            ctx.log(`fan-out: round ${r + 1}: ${v.model}'s relay floor`);
            const floorRun = {
              ...floorTarget(floor.address, v.model, certs.dir),
              inputData: input,
              outDir: dir,
              label: `${v.model}-floor-round-${r + 1}`,
            };
            const point = await attempt(async () => {
              if (!warmed.has(v.model)) await warmUp(floorRun, ctx.profile.warmUp);
              // Its processes' CPU, per request estimated from throughput × wall (no request count).
              const meter = new CostMeter(floor.processes);
              await meter.start();
              const measured = await runPerfAnalyzer({
                ...floorRun,
                concurrency: 1,
                settings: ctx.profile.latency,
              });
              return {
                ...measured,
                cost: await meter.finish({ throughputPerSec: measured.throughputPerSec }),
              };
            });
            if (point.value)
              (round.floorPoints ??= []).push({ partitions: v.partitions, latency: point.value });
            else result.floorError ??= point.error;
          }
          warmed.add(v.model);
        }
        round.points.sort((a, b) => a.partitions - b.partitions);
        round.floorPoints?.sort((a, b) => a.partitions - b.partitions);
        result.rounds!.push(round);
      }
      // The table and the CPU slopes show the round whose slope is the median (the lower middle one).
      const median = medianBy(result.rounds!, fanOutRoundSlopeUs);
      for (const v of result.variants) {
        const latency = median?.points.find((p) => p.partitions === v.partitions)?.latency;
        if (latency) v.latency = latency;
      }
    } finally {
      for (const floor of floors.values()) await floor.stop();
      await mesh.value.stop();
    }
  } finally {
    await certs.cleanup();
  }
  return result;
}
