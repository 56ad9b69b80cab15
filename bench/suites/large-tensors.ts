import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { measureSessionFloor } from '../floors/ort-session-floor.js';
import { measureRelayFloor, measureTlsFloor } from '../floors/tls-socket-floor.js';
import { MiB } from '../format.js';
import { benchInputs, writePerfAnalyzerInput } from '../input-data.js';
import { startBenchMesh } from '../bench-mesh.js';
import { BENCH_MESH_SETTINGS } from '../mesh-settings.js';
import { measureThroughRouter } from '../mesh-target.js';
import { prepareOuterModel } from '../models.js';
import { meshCertificates } from '../pki.js';
import type { LargeTensorsResult } from '../results.js';
import { attempt, type SuiteContext } from '../suite-context.js';

const PARTITIONS = 2;

/**
 * Suite 2, large tensors: the synthetic `outer` model (a [rows, 1] × b [1, cols], b split by
 * columns over 2 shards, gathered by `concat`) makes 64 MiB and 256 MiB FP32 outputs from a few
 * KiB of input, so the time is the mesh moving bytes: two shards streaming chunks to the router,
 * the router merging and answering perf_analyzer in one message. GB/s = output bytes / p50. The
 * floor moves the same bytes over one raw Node TLS socket between two processes. The relay floor
 * moves them from 2 TLS senders through a TLS relay process, as a router must, and one partition's
 * ONNX Runtime run in this process says what making the bytes costs before they move: together the
 * best a router in front of shards can do here (bench/report/goals.ts, `twoHopFloor`).
 */
export async function runLargeTensorsSuite(ctx: SuiteContext): Promise<LargeTensorsResult> {
  const dir = path.join(ctx.workDir, 'large-tensors');
  await mkdir(dir, { recursive: true });
  const sizes = ctx.profile.largeOutputs.map(([rows, cols]) => ({
    rows,
    cols,
    bytes: rows * cols * 4,
    model: `outer-${(rows * cols * 4) / MiB}m`,
  }));
  for (const s of sizes) {
    ctx.log(`large tensors: preparing ${s.model} (${s.rows}×${s.cols})`);
    await prepareOuterModel(ctx.modelsDir, s.model, s.rows, s.cols, PARTITIONS);
  }
  const result: LargeTensorsResult = {
    partitions: PARTITIONS,
    sizes: sizes.map((s) => ({ bytes: s.bytes, model: s.model })),
  };
  const certs = await meshCertificates(PARTITIONS);
  try {
    ctx.log('large tensors: starting router + 2 shards');
    const mesh = await attempt(() =>
      startBenchMesh(ctx, 'large-tensors', {
        ...BENCH_MESH_SETTINGS,
        modelsDir: ctx.modelsDir,
        certsDir: certs.dir,
        shards: Array.from({ length: PARTITIONS }, (_, p) => ({
          name: `shard-${p}`,
          serve: sizes.map((s) => `${s.model}/1/*/${p}`),
        })),
        models: sizes.map((s) => s.model),
      }),
    );
    for (const [i, s] of sizes.entries()) {
      const entry = result.sizes[i]!;
      if (!mesh.value) {
        entry.routerError = `mesh did not start: ${mesh.error}`;
        continue;
      }
      ctx.log(`large tensors: ${s.model} through the router`);
      const input = await writePerfAnalyzerInput(
        path.join(dir, `${s.model}-input.json`),
        benchInputs([{ name: 'a', shape: [s.rows, 1] }]),
      );
      const measured = await attempt(() =>
        measureThroughRouter({
          mesh: mesh.value!,
          certsDir: certs.dir,
          model: s.model,
          inputData: input,
          concurrencies: [1],
          settings: ctx.profile.transfer,
          outDir: dir,
          label: s.model,
        }),
      );
      const point = measured.value?.[0];
      if (point) entry.router = { ...point, gbPerSec: s.bytes / (point.p50Us * 1e3) };
      else entry.routerError = measured.error;
    }
    await mesh.value?.stop();
    ctx.log('large tensors: TLS socket floor');
    const floor = await attempt(() =>
      measureTlsFloor(
        certs.dir,
        sizes.map((s) => s.bytes),
        ctx.profile.tlsRepeats,
      ),
    );
    if (floor.value) floor.value.forEach((point, i) => (result.sizes[i]!.floor = point));
    else result.floorError = floor.error;
    ctx.log('large tensors: TLS relay floor');
    const relay = await attempt(() =>
      measureRelayFloor(
        certs.dir,
        sizes.map((s) => s.bytes),
        ctx.profile.tlsRepeats,
        PARTITIONS,
      ),
    );
    if (relay.value) relay.value.forEach((point, i) => (result.sizes[i]!.relayFloor = point));
    else result.relayFloorError = relay.error;
    for (const [i, s] of sizes.entries()) {
      ctx.log(`large tensors: ${s.model} partition 0 in ONNX Runtime`);
      const run = await attempt(async () => {
        const [point] = await measureSessionFloor({
          file: await partitionFile(ctx.modelsDir, s.model, 0),
          inputs: benchInputs([{ name: 'a', shape: [s.rows, 1] }]),
          concurrencies: [1],
          durationMs: ctx.profile.floorDurationMs,
          warmupRuns: 2,
          command: `${ctx.command} (bench/floors/ort-session-floor.ts on ${s.model} partition 0)`,
        });
        return point!;
      });
      if (run.value) result.sizes[i]!.partitionRun = run.value;
      else result.sizes[i]!.partitionRunError = run.error;
    }
  } finally {
    await certs.cleanup();
  }
  return result;
}

/** The ONNX file of `model`'s version 1, stage 0, partition `p`, as its plan names it. */
async function partitionFile(modelsDir: string, model: string, p: number): Promise<string> {
  const dir = path.join(modelsDir, model, '1');
  const plan = JSON.parse(await readFile(path.join(dir, 'plan.json'), 'utf8')) as {
    stages: { partitions: { file: string }[] }[];
  };
  return path.join(dir, plan.stages[0]!.partitions[p]!.file);
}
