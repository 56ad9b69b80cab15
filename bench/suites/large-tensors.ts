import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { storeTlsFiles } from '../../certs/store.js';
import {
  floorTarget,
  recordRouterAnswers,
  startBulkRelayFloor,
  type FloorServer,
} from '../floors/grpc-answer-floor.js';
import { measureSessionFloor } from '../floors/ort-session-floor.js';
import { startTlsFloors, type TlsFloorPoint, type TlsFloors } from '../floors/tls-socket-floor.js';
import { MiB } from '../format.js';
import { benchInputs, writePerfAnalyzerInput } from '../input-data.js';
import { startBenchMesh } from '../bench-mesh.js';
import { BENCH_MESH_SETTINGS } from '../mesh-settings.js';
import { measureThroughRouter } from '../mesh-target.js';
import { runPerfAnalyzer } from '../perf-analyzer.js';
import { partitionFiles, prepareOuterModel } from '../models.js';
import { shardPerPartitionOf } from '../partitioned-mesh.js';
import { medianBy } from '../interleaved.js';
import { meshCertificates } from '../pki.js';
import type { LargeTensorRound, LargeTensorsResult } from '../results.js';
import { loadInferencePackage } from '../../lib/grpc/protos.js';
import type { Tensor } from '../../lib/tensor/tensor.js';
import { attempt, type SuiteContext } from '../suite-context.js';

const PARTITIONS = 2;

/** A measurement of one round: its name in the log, and what it records into the round. */
type Measurement = [string, (round: LargeTensorRound) => Promise<void>];

/** How long each round runs partition 0 in ONNX Runtime (2 to 40 runs, by output size). */
const PARTITION_RUN_MS = 2_000;

/**
 * Suite 2, large tensors: the synthetic `outer` model (a [rows, 1] × b [1, cols], b split by
 * columns over 2 shards, gathered by `concat`) makes 64 MiB and 256 MiB FP32 outputs from a few
 * KiB of input, so the time is the mesh moving bytes: two shards streaming chunks to the router,
 * the router merging and answering perf_analyzer in one message. GB/s = output bytes / p50. The
 * floor moves the same bytes over one raw Node TLS socket between two processes. The relay floor
 * moves them from 2 TLS senders through a TLS relay process, as a router must, and one partition's
 * ONNX Runtime run in this process says what making the bytes costs before they move: together the
 * best a router in front of shards can do here. The gRPC relay floor moves the same answer as the
 * mesh does, from 2 grpc-js senders through a grpc-js relay set up as the router, streamed to
 * perf_analyzer while it arrives: with the run, the best a router on grpc-js can do
 * (bench/report/goals.ts, `twoHopFloor`).
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
        shards: shardPerPartitionOf(sizes.map((s) => ({ model: s.model, partitions: PARTITIONS }))),
        models: sizes.map((s) => s.model),
      }),
    );
    if (!mesh.value) {
      for (const entry of result.sizes) entry.routerError = `mesh did not start: ${mesh.error}`;
      return result;
    }
    ctx.log('large tensors: starting the TLS socket floor and the TLS relay floor');
    const floors = await attempt(() =>
      startTlsFloors(certs.dir, Math.max(...sizes.map((s) => s.bytes)), PARTITIONS),
    );
    if (!floors.value) result.floorError = floors.error;
    try {
      for (const [i, s] of sizes.entries()) {
        const entry = result.sizes[i]!;
        const inputs = benchInputs([{ name: 'a', shape: [s.rows, 1] }]);
        const input = await writePerfAnalyzerInput(path.join(dir, `${s.model}-input.json`), inputs);
        const file = (await partitionFiles(ctx.modelsDir, s.model))[0]!;
        const rounds: LargeTensorRound[] = [];
        const errors = new Map<string, string>();
        const note = (what: string, error: string | undefined): void => {
          if (error !== undefined && !errors.has(what)) errors.set(what, error);
        };
        ctx.log(`large tensors: starting the gRPC relay floor for ${s.model}`);
        const grpcFloor = await attempt(() =>
          startGrpcRelayFloor(
            mesh.value!.mesh.address,
            certs.dir,
            s,
            inputs,
            path.join(dir, `${s.model}-floor.json`),
          ),
        );
        note('grpcRelayFloor', grpcFloor.error);
        /** One of the TLS floors, into `round[key]`; nothing when the floors did not start. */
        const floorMeasurement = (
          what: string,
          key: 'floor' | 'relayFloor',
          measure: (f: TlsFloors) => Promise<TlsFloorPoint>,
        ): Measurement => [
          what,
          async (round) => {
            if (!floors.value) return;
            const point = await attempt(() => measure(floors.value!));
            if (point.value) round[key] = point.value;
            else note(key, point.error);
          },
        ];
        const measurements: Measurement[] = [
          [
            'through the router',
            async (round) => {
              const measured = await attempt(() =>
                measureThroughRouter({
                  mesh: mesh.value!,
                  certsDir: certs.dir,
                  model: s.model,
                  inputData: input,
                  concurrencies: [1],
                  settings: ctx.profile.transfer,
                  outDir: dir,
                  label: `${s.model}-round-${rounds.length}`,
                }),
              );
              const point = measured.value?.[0];
              if (point) round.router = { ...point, gbPerSec: s.bytes / (point.p50Us * 1e3) };
              else note('router', measured.error);
            },
          ],
          floorMeasurement('TLS socket floor', 'floor', (f) => f.direct(s.bytes, ctx.profile.tlsRepeats)),
          floorMeasurement('TLS relay floor', 'relayFloor', (f) => f.relay(s.bytes, ctx.profile.tlsRepeats)),
          [
            'gRPC relay floor',
            async (round) => {
              if (!grpcFloor.value) return;
              const measured = await attempt(() =>
                runPerfAnalyzer({
                  ...floorTarget(grpcFloor.value!.address, s.model, certs.dir),
                  inputData: input,
                  outDir: dir,
                  label: `${s.model}-grpc-relay-floor-round-${rounds.length}`,
                  concurrency: 1,
                  settings: ctx.profile.transfer,
                }),
              );
              const point = measured.value;
              if (point) round.grpcRelayFloor = { ...point, gbPerSec: s.bytes / (point.p50Us * 1e3) };
              else note('grpcRelayFloor', measured.error);
            },
          ],
          [
            'partition 0 in ONNX Runtime',
            async (round) => {
              const run = await attempt(async () => {
                const [point] = await measureSessionFloor({
                  file,
                  inputs,
                  concurrencies: [1],
                  durationMs: PARTITION_RUN_MS,
                  warmupRuns: 2,
                  command: `${ctx.command} (bench/floors/ort-session-floor.ts on ${s.model} partition 0, ${PARTITION_RUN_MS} ms)`,
                });
                return point!;
              });
              if (run.value) round.partitionRun = run.value;
              else note('run', run.error);
            },
          ],
        ];
        try {
          for (let r = 0; r < ctx.profile.interleavedRounds; r++) {
            const round: LargeTensorRound = {};
            // Each round starts one measurement later, so none always goes first on a drifting machine.
            for (let k = 0; k < measurements.length; k++) {
              const [what, measure] = measurements[(r + k) % measurements.length]!;
              ctx.log(`large tensors: ${s.model} round ${r + 1}: ${what}`);
              await measure(round);
            }
            rounds.push(round);
          }
        } finally {
          await grpcFloor.value?.stop();
        }
        entry.rounds = rounds;
        // The section's table and older readers of the JSON get the round whose router ÷ floor ratio
        // is the median; the goals take each figure's median over the rounds.
        const ratio = (r: LargeTensorRound) =>
          r.router && r.floor ? r.router.gbPerSec / r.floor.gbPerSec : undefined;
        Object.assign(entry, medianBy(rounds, ratio) ?? rounds[0] ?? {});
        if (!entry.router) entry.routerError = errors.get('router') ?? 'no round measured it';
        if (!entry.partitionRun) entry.partitionRunError = errors.get('run') ?? 'no round measured it';
        if (errors.has('floor')) result.floorError ??= errors.get('floor');
        if (errors.has('relayFloor')) result.relayFloorError ??= errors.get('relayFloor');
        if (errors.has('grpcRelayFloor')) result.grpcRelayFloorError ??= errors.get('grpcRelayFloor');
      }
    } finally {
      floors.value?.stop();
      await mesh.value.stop();
    }
  } finally {
    await certs.cleanup();
  }
  return result;
}

/**
 * The gRPC relay floor for one size: the router's answers to every other call perf_analyzer makes,
 * recorded from the mesh's router, and the head of its ModelInfer answer (the model's one output,
 * as its metadata names it, [rows, cols]); senders one per partition.
 */
async function startGrpcRelayFloor(
  routerAddress: string,
  certsDir: string,
  size: { model: string; rows: number; cols: number; bytes: number },
  inputs: readonly Tensor[],
  floorFile: string,
): Promise<FloorServer> {
  const answers = await recordRouterAnswers({
    address: routerAddress,
    tls: storeTlsFiles(certsDir, 'client'),
    model: size.model,
    inputs,
    infer: false,
  });
  const metadata = loadInferencePackage().service.service['ModelMetadata']!;
  const { outputs } = metadata.responseDeserialize(Buffer.from(answers['ModelMetadata']!, 'base64')) as {
    outputs: { name: string; datatype: string }[];
  };
  const output = outputs[0]!;
  return startBulkRelayFloor({
    answers,
    response: {
      model_name: size.model,
      model_version: '1',
      id: '',
      outputs: [{ name: output.name, datatype: output.datatype, shape: [size.rows, size.cols] }],
    },
    bytes: size.bytes,
    floorFile,
    certsDir,
    senders: PARTITIONS,
  });
}
