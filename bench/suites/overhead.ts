import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { storeTlsFiles } from '../../certs/store.js';
import { loadPlan, planDir } from '../../lib/plan/repository.js';
import type { Tensor } from '../../lib/tensor/tensor.js';
import {
  floorTarget,
  recordRouterAnswers,
  startAnswerServer,
  startRelayFloor,
  type FloorServer,
  type RecordedAnswers,
} from '../floors/grpc-answer-floor.js';
import { GRPC_FLOOR_MTLS, GRPC_FLOOR_PLAINTEXT, RELAY_FLOOR } from '../floors/floor-ids.js';
import { measureSessionFloor } from '../floors/ort-session-floor.js';
import { benchInputs, writePerfAnalyzerInput } from '../input-data.js';
import type { LocalMeshOptions } from '../../cli/local-mesh.js';
import { startBenchMesh, type BenchMesh } from '../bench-mesh.js';
import { interleave } from '../interleaved.js';
import { BENCH_MESH_SETTINGS } from '../mesh-settings.js';
import { measureThroughRouter, routerRun } from '../mesh-target.js';
import { OCR_MODELS, ocrModelPath, prepareOcrModel, variantName, type OcrModel } from '../models.js';
import {
  runPerfAnalyzer,
  warmUp,
  type LoadPoint,
  type MeasurementSettings,
  type PerfAnalyzerRun,
  type PerfAnalyzerTarget,
} from '../perf-analyzer.js';
import type { PeerModel, PeerServer } from '../peers/peer.js';
import { CostMeter } from '../process-cost.js';
import { meshCertificates } from '../pki.js';
import type { InterleavedResult, OverheadResult, TargetResult } from '../results.js';
import { attempt, type SuiteContext } from '../suite-context.js';
import { startOtlpSink } from '../otlp-sink.js';

interface ModelUnderTest {
  readonly model: OcrModel;
  readonly label: string;
  readonly inputs: Tensor[];
  /** perf_analyzer's --input-data file. */
  readonly inputData: string;
  readonly peerModel: PeerModel;
  readonly targets: TargetResult[];
  /** The router's answers (router + 1 shard), for the grpc-js floor. */
  answers?: RecordedAnswers;
}

/**
 * Suite 1, per-request overhead: the PP-OCR classifier (small) and recognition model (medium),
 * each at every concurrency, through shardmesh (router + 1 shard serving the whole model; router +
 * 2 shards serving its 2-way head split), MLServer, KServe, and floors: ONNX Runtime in-process;
 * a grpc-js server answering from memory (bench/floors/grpc-answer-floor.ts), with mutual TLS
 * as the router serves and in plaintext as the peers do; and the relay floor, a grpc-js relay on the
 * router's stack in front of a grpc-js server running the model (two processes, mutual TLS on both
 * hops, none of shardmesh's own work).
 * Every server is driven by the same perf_analyzer with the same inputs and settings, each after
 * the same warm-up (perf-analyzer.ts `warmUp`) right after it starts. The
 * shardmesh setups run with tracing off (no OTLP endpoint: the default); router + 1 shard runs
 * again, at the lowest concurrency, with tracing on in every process (TRACING_VARIANTS), so the
 * ratio table shows what tracing costs a request's p50. Last, shardmesh, KServe and the relay floor
 * run side by side and take turns at c=1 and c=16 (measureInterleaved): issue 8's goals, and the
 * relay floor's bound on them, are read from those rounds.
 */
export async function runOverheadSuite(ctx: SuiteContext): Promise<OverheadResult> {
  const dir = path.join(ctx.workDir, 'overhead');
  await mkdir(dir, { recursive: true });
  const models: ModelUnderTest[] = [];
  for (const [size, model] of Object.entries(OCR_MODELS)) {
    ctx.log(`overhead: preparing ${model.name} (${model.file})`);
    await prepareOcrModel(ctx.modelsDir, model);
    const { plan } = await loadPlan(planDir(ctx.modelsDir, model.name, '1'));
    const inputs = benchInputs(plan.inputs.map((i) => ({ name: i.name, shape: model.inputShape })));
    models.push({
      model,
      label: `${model.file} (${size})`,
      inputs,
      inputData: await writePerfAnalyzerInput(path.join(dir, `${model.name}-input.json`), inputs),
      peerModel: { name: model.name, file: ocrModelPath(model), inputs: plan.inputs, outputs: plan.outputs },
      targets: [],
    });
  }

  await measureMesh(ctx, dir, models, 1);
  await measureMesh(ctx, dir, models, 2);
  for (const floor of GRPC_FLOORS) await measureGrpcFloor(ctx, dir, models, floor);
  const sink = await startOtlpSink();
  try {
    for (const variant of TRACING_VARIANTS) await measureMesh(ctx, dir, models, 1, variant(sink.endpoint));
    ctx.log(`overhead: the OTLP sink took ${sink.exports} exports, ${sink.bytes} bytes`);
  } finally {
    await sink.close();
  }
  for (const { peer, error } of ctx.peers) {
    ctx.log(error ? `overhead: ${peer.label} left out: ${error}` : `overhead: starting ${peer.label}`);
    const started = error
      ? { error }
      : await attempt(() =>
          peer.start(
            models.map((m) => m.peerModel),
            dir,
          ),
        );
    for (const m of models) {
      const target: TargetResult = { id: peer.id, label: peer.label, setup: peer.configuration, points: [] };
      m.targets.push(target);
      if (!started.value) {
        target.error = error ?? `did not start: ${started.error}`;
        continue;
      }
      const server = started.value;
      const measured = await attempt(async () => {
        if (m === models[0]) await warmUpPeer(ctx, dir, server, m, peer.id);
        for (const concurrency of ctx.profile.concurrencies) {
          ctx.log(`overhead: ${peer.label} ${m.model.name} concurrency ${concurrency}`);
          target.points.push(
            await measurePeer(ctx, dir, server, peer.label, m, peer.id, concurrency, ctx.profile.latency),
          );
        }
      });
      if (measured.error) target.error = measured.error;
    }
    await started.value?.stop();
  }
  for (const m of models) {
    ctx.log(`overhead: floor ${m.model.name}`);
    const target: TargetResult = {
      id: 'floor',
      label: 'floor: session.run in-process',
      setup: 'onnxruntime-node in the benchmark process: intra-op 1, inter-op 1, sequential, as a shard',
      points: [],
    };
    m.targets.push(target);
    const floor = await attempt(() =>
      measureSessionFloor({
        file: m.peerModel.file,
        inputs: m.inputs,
        concurrencies: ctx.profile.concurrencies,
        durationMs: ctx.profile.floorDurationMs,
        warmupRuns: ctx.profile.floorWarmupRuns,
        command: `${ctx.command} (bench/floors/ort-session-floor.ts: ${ctx.profile.floorDurationMs} ms per level)`,
      }),
    );
    if (floor.value) target.points.push(...floor.value);
    else target.error = floor.error;
  }
  const interleaved = await attempt(() => measureInterleaved(ctx, dir, models));
  return {
    models: models.map((m) => ({
      name: m.model.name,
      label: m.label,
      inputShape: m.model.inputShape,
      targets: m.targets,
    })),
    interleaved: interleaved.value ?? { error: interleaved.error! },
  };
}

/** A shardmesh setup run again with tracing on: the OTEL_* environment of every process. */
interface TracingVariant {
  readonly id: string;
  readonly label: string;
  readonly setup: string;
  readonly env: Readonly<Record<string, string>>;
}

/**
 * Tracing on, in two ways, each exporting over OTLP/HTTP to `endpoint` (an in-bench sink that
 * keeps nothing): the SDK started but sampling nothing (the cost of the SDK and of the span
 * objects of unsampled requests), and every request sampled and exported in batches.
 */
const TRACING_VARIANTS: readonly ((endpoint: string) => TracingVariant)[] = [
  (endpoint) => ({
    id: 'shardmesh-p1-sdk-unsampled',
    label: 'shardmesh, router + 1 shard, tracing SDK on, nothing sampled',
    setup: 'OTEL_EXPORTER_OTLP_ENDPOINT set (a sink), OTEL_TRACES_SAMPLER=always_off',
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_TRACES_SAMPLER: 'always_off' },
  }),
  (endpoint) => ({
    id: 'shardmesh-p1-traced',
    label: 'shardmesh, router + 1 shard, every request traced',
    setup:
      'OTEL_EXPORTER_OTLP_ENDPOINT set (an in-bench OTLP/HTTP sink that keeps nothing), default sampler (every request), batches every 5 s',
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint },
  }),
];

/**
 * shardmesh with the models whole (partitions 1) or head-split (2), one shard process per
 * partition; with `tracing`, at the profile's lowest concurrency only.
 */
async function measureMesh(
  ctx: SuiteContext,
  dir: string,
  models: readonly ModelUnderTest[],
  partitions: number,
  tracing?: TracingVariant,
): Promise<void> {
  const id = tracing?.id ?? `shardmesh-p${partitions}`;
  const label =
    tracing?.label ??
    (partitions === 1 ? 'shardmesh, router + 1 shard' : `shardmesh, router + ${partitions} partitions`);
  const setup =
    (partitions === 1
      ? 'router + 1 shard process serving the whole model (1 stage, 1 partition); mutual TLS on both hops'
      : `router + ${partitions} shard processes; the model cut as a sharded head (stages backbone → head × ${partitions} → tail), ` +
        'so a request makes 4 shard calls in 3 stages; mutual TLS on both hops') +
    (tracing ? `; ${tracing.setup}` : '; tracing off (no OTLP endpoint)');
  const concurrencies = tracing ? ctx.profile.concurrencies.slice(0, 1) : ctx.profile.concurrencies;
  const targets = models.map((m) => {
    const target: TargetResult = { id, label, setup, points: [] };
    m.targets.push(target);
    return target;
  });
  ctx.log(`overhead: starting ${label}`);
  const { certs, mesh } = await startOverheadMesh(ctx, id, models, partitions, tracing?.env);
  try {
    for (const [i, m] of models.entries()) {
      const target = targets[i]!;
      if (!mesh.value) {
        target.error = `did not start: ${mesh.error}`;
        continue;
      }
      ctx.log(`overhead: ${label} ${m.model.name}`);
      const points = await attempt(() =>
        measureThroughRouter({
          mesh: mesh.value!,
          certsDir: certs.dir,
          model: variantName(m.model.name, partitions),
          inputData: m.inputData,
          concurrencies,
          settings: ctx.profile.latency,
          outDir: dir,
          label: `${id}-${m.model.name}`,
          // Once per mesh: the models share the router's and shard's code.
          ...(i === 0 ? { warmUp: ctx.profile.warmUp } : {}),
        }),
      );
      if (points.value) target.points.push(...points.value);
      else target.error = points.error;
      if (partitions === 1 && !tracing) {
        const answers = await attempt(() =>
          recordRouterAnswers({
            address: mesh.value!.mesh.address,
            tls: storeTlsFiles(certs.dir, 'client'),
            model: m.model.name,
            inputs: m.inputs,
          }),
        );
        if (answers.value) m.answers = answers.value;
        else ctx.log(`overhead: could not record the router's answers for ${m.model.name}: ${answers.error}`);
      }
    }
  } finally {
    await mesh.value?.stop();
    await certs.cleanup();
  }
}

/**
 * A mesh serving every model under test, one shard process per partition, with its certificates
 * (the caller stops the mesh and cleans the certificates up); `mesh.error` when it did not start.
 */
async function startOverheadMesh(
  ctx: SuiteContext,
  id: string,
  models: readonly ModelUnderTest[],
  partitions: number,
  env?: Readonly<Record<string, string>>,
): Promise<{
  certs: Awaited<ReturnType<typeof meshCertificates>>;
  mesh: { value?: BenchMesh; error?: string };
}> {
  const shards: LocalMeshOptions['shards'] = Array.from({ length: partitions }, (_, p) => ({
    name: `shard-${p}`,
    serve: models.map((m) => `${variantName(m.model.name, partitions)}/1/*/${p}`),
  }));
  const certs = await meshCertificates(partitions);
  const mesh = await attempt(() =>
    startBenchMesh(ctx, `overhead-${id}`, {
      ...BENCH_MESH_SETTINGS,
      modelsDir: ctx.modelsDir,
      certsDir: certs.dir,
      shards,
      ...(env ? { env } : {}),
      models: models.map((m) => variantName(m.model.name, partitions)),
    }),
  );
  return { certs, mesh };
}

/** The peer the goals are set against. */
const GOAL_PEER = 'kserve';

/**
 * shardmesh (router + 1 shard) and KServe, both running throughout, and each model's relay floor
 * while its rounds run, taking turns one perf_analyzer run each at the lowest and highest
 * concurrency of every model (bench/interleaved.ts): the goals and the two-hop floor that bounds
 * them are read from these rounds, not from passes minutes apart. A relay floor that does not
 * start leaves its model's rounds to the two servers (the point says why).
 */
async function measureInterleaved(
  ctx: SuiteContext,
  dir: string,
  models: readonly ModelUnderTest[],
): Promise<InterleavedResult> {
  const peer = ctx.peers.find((p) => p.peer.id === GOAL_PEER);
  if (!peer) throw new Error(`${GOAL_PEER} was not asked for (--peers)`);
  if (peer.error) throw new Error(`${peer.peer.label} is not available: ${peer.error}`);
  const rounds = ctx.profile.interleavedRounds;
  // Both sides of a round measure alike.
  const settings = ctx.profile.interleaved;
  const result: InterleavedResult = { peer: GOAL_PEER, rounds, points: [] };
  const levels = [ctx.profile.concurrencies[0]!, ctx.profile.concurrencies.at(-1)!];
  ctx.log(`overhead: interleaved rounds, starting shardmesh and ${peer.peer.label}`);
  const { certs, mesh } = await startOverheadMesh(ctx, 'interleaved', models, 1);
  try {
    if (!mesh.value) throw new Error(`shardmesh did not start: ${mesh.error}`);
    const server = await peer.peer.start(
      models.map((m) => m.peerModel),
      dir,
    );
    try {
      const first = models[0]!;
      ctx.log('overhead: interleaved rounds, warming both up');
      await warmUp(
        routerRun({
          mesh: mesh.value,
          certsDir: certs.dir,
          model: first.model.name,
          inputData: first.inputData,
          outDir: dir,
          label: `shardmesh-interleaved-${first.model.name}`,
        }),
        ctx.profile.warmUp,
      );
      await warmUpPeer(ctx, dir, server, first, `${GOAL_PEER}-interleaved`);
      for (const m of models) {
        const floor = await attempt(() => startInterleavedFloor(ctx, dir, m));
        if (floor.error)
          ctx.log(`overhead: interleaved rounds of ${m.model.name} without the relay floor: ${floor.error}`);
        try {
          for (const concurrency of levels) {
            const point: InterleavedResult['points'][number] = {
              model: m.model.name,
              concurrency,
              rounds: [],
              ...(floor.error ? { floorError: floor.error } : {}),
            };
            result.points.push(point);
            const measured = await attempt(() =>
              interleave(
                rounds,
                async (who, round) => {
                  ctx.log(
                    `overhead: interleaved round ${round + 1}/${rounds}, ${who}, ${m.model.name} c=${concurrency}`,
                  );
                  if (who === 'floor')
                    return measureFloor(floor.value!.server, floor.value!.run, concurrency, settings);
                  if (who === 'peer')
                    return measurePeer(
                      ctx,
                      dir,
                      server,
                      peer.peer.label,
                      m,
                      `${GOAL_PEER}-interleaved`,
                      concurrency,
                      settings,
                    );
                  const [p] = await measureThroughRouter({
                    mesh: mesh.value!,
                    certsDir: certs.dir,
                    model: m.model.name,
                    inputData: m.inputData,
                    concurrencies: [concurrency],
                    settings,
                    outDir: dir,
                    label: `shardmesh-interleaved-${m.model.name}`,
                  });
                  return p!;
                },
                { floor: floor.value !== undefined },
              ),
            );
            if (measured.value) point.rounds = measured.value;
            else point.error = measured.error;
          }
        } finally {
          await floor.value?.stop();
        }
      }
    } finally {
      await server.stop();
    }
  } finally {
    await mesh.value?.stop();
    await certs.cleanup();
  }
  return result;
}

/** Why a floor could not run for a model: it answers with the router's recorded answers. */
const ANSWERS_NOT_RECORDED = "the router's answers were not recorded (router + 1 shard did not answer)";

/** perf_analyzer's run of `m` against a floor, with the client's certificate from `certsDir`. */
function floorRun(
  server: FloorServer,
  m: ModelUnderTest,
  dir: string,
  label: string,
  certsDir?: string,
): Omit<PerfAnalyzerRun, 'concurrency' | 'settings'> {
  return {
    ...floorTarget(server.address, m.model.name, certsDir),
    inputData: m.inputData,
    outDir: dir,
    label,
  };
}

/**
 * The relay floor (two processes, mutual TLS on both hops) for `m`'s interleaved rounds, warmed
 * up, with its own certificates; `stop` ends both. It needs the router's recorded answers.
 */
async function startInterleavedFloor(
  ctx: SuiteContext,
  dir: string,
  m: ModelUnderTest,
): Promise<{
  server: FloorServer;
  run: Omit<PerfAnalyzerRun, 'concurrency' | 'settings'>;
  stop(): Promise<void>;
}> {
  if (!m.answers) throw new Error(ANSWERS_NOT_RECORDED);
  const certs = await meshCertificates(1);
  let server: FloorServer | undefined;
  try {
    server = await startRelayFloor(
      m.answers,
      path.join(dir, `${RELAY_FLOOR}-interleaved-${m.model.name}.json`),
      certs.dir,
      m.peerModel.file,
    );
    const run = floorRun(server, m, dir, `${RELAY_FLOOR}-interleaved-${m.model.name}`, certs.dir);
    await warmUp(run, ctx.profile.warmUp);
    const started = server;
    return {
      server,
      run,
      stop: async () => {
        await started.stop();
        await certs.cleanup();
      },
    };
  } catch (error) {
    await server?.stop();
    await certs.cleanup();
    throw error;
  }
}

/**
 * A grpc-js floor setup: one server answering from memory, with mutual TLS, as the router serves,
 * or plaintext, as the peers do; or the relay floor (two processes, mutual TLS on both hops).
 */
interface GrpcFloor {
  readonly id: string;
  readonly label: string;
  readonly kind: 'answer' | 'relay';
  readonly tls: boolean;
  readonly setup: string;
}

const ANSWER_SETUP =
  "bench/floors/grpc-answer-server.ts: a grpc-js server with the router's server options that answers every call with the bytes the router answered it with (recorded from router + 1 shard); parses and computes nothing";

const GRPC_FLOORS: readonly GrpcFloor[] = [
  {
    id: GRPC_FLOOR_MTLS,
    label: 'floor: grpc-js answering from memory, mutual TLS',
    kind: 'answer',
    tls: true,
    setup: `${ANSWER_SETUP}; mutual TLS with the client certificate, as the router`,
  },
  {
    id: GRPC_FLOOR_PLAINTEXT,
    label: 'floor: grpc-js answering from memory, plaintext',
    kind: 'answer',
    tls: false,
    setup: `${ANSWER_SETUP}; plaintext, as the peers`,
  },
  {
    id: RELAY_FLOOR,
    label: 'floor: grpc-js relay → grpc-js server running the model, mutual TLS',
    kind: 'relay',
    tls: true,
    setup:
      "bench/floors/grpc-relay-server.ts in front of bench/floors/grpc-model-server.ts, each its own process on the router's patched grpc-js: the relay forwards each ModelInfer's bytes tagged by id on one long-lived stream, the server decodes the request, runs the model in ONNX Runtime as a shard does and answers the router's recorded bytes; mutual TLS on both hops; no validation, routing, merging, spans or statistics",
  },
];

/**
 * perf_analyzer against a floor answering each model with the router's recorded answers: what a
 * grpc-js server costs before it does any work (bench/floors/grpc-answer-server.ts), or two such
 * processes with the model run in the second (the relay floor). Its CPU per request, all its
 * processes', is estimated like a peer's (throughput × wall).
 */
async function measureGrpcFloor(
  ctx: SuiteContext,
  dir: string,
  models: readonly ModelUnderTest[],
  floor: GrpcFloor,
): Promise<void> {
  const certs = floor.tls ? await meshCertificates(floor.kind === 'relay' ? 1 : 0) : undefined;
  try {
    for (const m of models) {
      const target: TargetResult = {
        id: floor.id,
        label: floor.label,
        setup: floor.setup,
        points: [],
      };
      m.targets.push(target);
      if (!m.answers) {
        target.error = ANSWERS_NOT_RECORDED;
        continue;
      }
      ctx.log(`overhead: ${floor.label} ${m.model.name}`);
      const answers = m.answers;
      const measured = await attempt(async () => {
        const answersFile = path.join(dir, `${floor.id}-${m.model.name}.json`);
        const server =
          floor.kind === 'relay'
            ? await startRelayFloor(answers, answersFile, certs!.dir, m.peerModel.file)
            : await startAnswerServer(answers, answersFile, certs?.dir);
        const common = floorRun(server, m, dir, `${floor.id}-${m.model.name}`, certs?.dir);
        try {
          await warmUp(common, ctx.profile.warmUp);
          for (const concurrency of ctx.profile.concurrencies)
            target.points.push(await measureFloor(server, common, concurrency, ctx.profile.latency));
        } finally {
          await server.stop();
        }
      });
      if (measured.error) target.error = measured.error;
    }
  } finally {
    await certs?.cleanup();
  }
}

/**
 * perf_analyzer against a running floor, with the CPU of its processes over the run, estimated
 * like a peer's (throughput × wall).
 */
async function measureFloor(
  server: FloorServer,
  run: Omit<PerfAnalyzerRun, 'concurrency' | 'settings'>,
  concurrency: number,
  settings: MeasurementSettings,
): Promise<LoadPoint> {
  const meter = new CostMeter(server.processes);
  await meter.start();
  const point = await runPerfAnalyzer({ ...run, concurrency, settings });
  return { ...point, cost: await meter.finish({ throughputPerSec: point.throughputPerSec }) };
}

/** A model of a peer as perf_analyzer calls it (plaintext; `-x 1`: see PerfAnalyzerTarget.version). */
const peerTarget = (server: PeerServer, m: ModelUnderTest): PerfAnalyzerTarget => ({
  address: server.address,
  model: m.model.name,
  version: '1',
});

/** A peer's warm-up, as every server gets one after it starts (perf-analyzer.ts `warmUp`). */
async function warmUpPeer(
  ctx: SuiteContext,
  dir: string,
  server: PeerServer,
  m: ModelUnderTest,
  peerId: string,
): Promise<void> {
  ctx.log(`overhead: warming ${peerId} up`);
  await warmUp(
    {
      target: peerTarget(server, m),
      inputData: m.inputData,
      outDir: dir,
      label: `${peerId}-${m.model.name}`,
    },
    ctx.profile.warmUp,
  );
}

/** perf_analyzer against a peer, with the CPU of its process tree over the run (no GC: not Node). */
async function measurePeer(
  ctx: SuiteContext,
  dir: string,
  server: PeerServer,
  label: string,
  m: ModelUnderTest,
  peerId: string,
  concurrency: number,
  settings: MeasurementSettings,
): Promise<LoadPoint> {
  const meter = new CostMeter([{ name: label, pid: server.pid }]);
  await meter.start();
  const point = await runPerfAnalyzer({
    target: peerTarget(server, m),
    inputData: m.inputData,
    concurrency,
    settings,
    outDir: dir,
    label: `${peerId}-${m.model.name}`,
  });
  return { ...point, cost: await meter.finish({ throughputPerSec: point.throughputPerSec }) };
}
