// A probe of the client-facing hop: a real router and shards (child processes of this build), a
// lean grpc-js client that sends one pre-encoded ModelInferRequest over and over and does not
// decode the answers, and, per load phase, latency, throughput, router and shard CPU from /proc,
// and the router's garbage collections (counted by a PerformanceObserver loaded with --import).
//
//   node dist/bench/probes/router-hop.js --model cls|rec|mlp --concurrency 1,16 --seconds 8
//   node dist/bench/probes/router-hop.js --model outer --concurrency 1 --seconds 15
//   node dist/bench/probes/router-hop.js --model mlp --partitions 8 ...   the demo MLP cut 8 ways
//   ... --profile DIR   writes the router's and each shard's .cpuprofile of each measured phase
//                       into DIR (router-*.cpuprofile, shard-N-*.cpuprofile)
//
// Prints one JSON object per phase on stdout. Not part of the bench suites; never asserts timing.

import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from '@grpc/grpc-js';
import { channelCredentials, loadTlsFiles } from '../../certs/credentials.js';
import { storeTlsFiles } from '../../certs/store.js';
import { dropIpServernameWarning } from '../../cli/ip-servername-warning.js';
import { startLocalMesh } from '../../cli/local-mesh.js';
import { percentile } from '../latency-stats.js';
import { encodedInferRequest, inferEncoded } from './encoded-request.js';
import { modelsFor, probeModel } from './probe-model.js';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: 'mlp' },
    concurrency: { type: 'string', default: '1,16' },
    seconds: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '2' },
    partitions: { type: 'string' },
    models: { type: 'string' },
    profile: { type: 'string' },
    label: { type: 'string', default: '' },
  },
});

const GC_OBSERVER = `
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { appendFileSync } from 'node:fs';
const file = process.env.PROBE_GC_FILE;
let lines = [];
const flush = () => { if (lines.length) { appendFileSync(file, lines.join('')); lines = []; } };
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    lines.push(JSON.stringify({ t: performance.timeOrigin + e.startTime, kind: e.detail.kind, flags: e.detail.flags, ms: e.duration }) + '\\n');
  }
}).observe({ entryTypes: ['gc'] });
setInterval(flush, 100).unref();
process.on('exit', flush);
// SIGUSR2 starts the CPU profiler, the next one writes the profile (node refuses --cpu-prof in
// NODE_OPTIONS, and this way the profile covers exactly one measured phase).
const dir = process.env.PROBE_PROFILE_DIR;
if (dir) {
  const { Session } = await import('node:inspector');
  const { writeFileSync } = await import('node:fs');
  const session = new Session();
  session.connect();
  let running = false;
  process.on('SIGUSR2', () => {
    if (!running) {
      session.post('Profiler.enable', () => session.post('Profiler.start'));
    } else {
      session.post('Profiler.stop', (err, { profile }) => {
        const role = process.env.PROBE_ROLE ?? 'router';
        writeFileSync(dir + '/' + role + '-' + Date.now() + '.cpuprofile', JSON.stringify(profile));
      });
    }
    running = !running;
  });
}
`;

/** utime + stime of a process, in ms (clock ticks are 10 ms on Linux). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

dropIpServernameWarning();

async function main(): Promise<void> {
  const model = args.model!;
  const { plan, ocr, certs, meshOptions } = await probeModel(
    model,
    ...modelsFor(args.partitions, args.models),
  );
  const work = await mkdtemp(path.join(tmpdir(), 'shardmesh-probe-'));
  const gcFile = path.join(work, 'gc.jsonl');
  await writeFile(path.join(work, 'gc-observer.mjs'), GC_OBSERVER);
  await writeFile(gcFile, '');
  // The caller's NODE_OPTIONS (a V8 flag under test, say) reach the children too.
  const callerOptions = process.env['NODE_OPTIONS'] ?? '';
  process.env['NODE_OPTIONS'] = `${callerOptions} --import=${path.join(work, 'gc-observer.mjs')}`.trim();
  if (args.profile) {
    await mkdir(args.profile, { recursive: true });
    process.env['PROBE_PROFILE_DIR'] = path.resolve(args.profile);
  }
  process.env['PROBE_GC_FILE'] = gcFile;
  // Shards get the profiler (not the GC observer) only when profiling: it is what lets SIGUSR2 in.
  const shardEnv = (p: number): Record<string, string> =>
    args.profile
      ? { PROBE_ROLE: `shard-${p}`, PROBE_GC_FILE: path.join(work, `gc-shard-${p}.jsonl`) }
      : { NODE_OPTIONS: callerOptions };
  const mesh = await startLocalMesh({
    ...meshOptions,
    shards: meshOptions.shards.map((shard, p) => ({ ...shard, env: shardEnv(p) })),
  });
  const tls = await loadTlsFiles(storeTlsFiles(certs.dir, 'client'));
  const client = new Client(mesh.address, channelCredentials(tls), {
    'grpc.max_receive_message_length': -1,
    'grpc-node.flow_control_window': 16 << 20,
  });
  // The bench's input for cls ([1, 3, 48, 192], 110 KiB) and rec; with every open dim at 1 the
  // probe once sent 12 bytes and measured a router far cheaper than the bench's.
  const request = encodedInferRequest(plan, ocr?.inputShape);
  let responseBytes = 0;
  const once = (): Promise<void> =>
    inferEncoded(client, request, 60_000, (b) => (responseBytes += b.length)).done;

  const shardPids = [...mesh.shards.values()].map((s) => s.process.pid!);
  const routerPid = mesh.router.process.pid!;
  const run = async (concurrency: number, seconds: number): Promise<number[]> => {
    const latencies: number[] = [];
    const until = performance.now() + seconds * 1000;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < until) {
          const t = performance.now();
          await once();
          latencies.push(performance.now() - t);
        }
      }),
    );
    return latencies;
  };
  try {
    for (const c of args.concurrency!.split(',').map(Number)) {
      await run(c, Number(args.warmup));
      await new Promise((r) => setTimeout(r, 300));
      const t0 = Date.now();
      const router0 = cpuMs(routerPid);
      const shards0 = shardPids.map(cpuMs);
      responseBytes = 0;
      const metrics0 = await meshMetrics(mesh);
      const profiled = [routerPid, ...shardPids];
      if (args.profile) for (const pid of profiled) process.kill(pid, 'SIGUSR2');
      const started = performance.now();
      const latencies = await run(c, Number(args.seconds));
      if (args.profile) for (const pid of profiled) process.kill(pid, 'SIGUSR2');
      const elapsed = (performance.now() - started) / 1000;
      const t1 = Date.now();
      const routerCpu = cpuMs(routerPid) - router0;
      const shardCpu = shardPids.reduce((sum, pid, i) => sum + cpuMs(pid) - shards0[i]!, 0);
      const metrics1 = await meshMetrics(mesh);
      const mean = (sum: string, count: string, scale: number): number | null => {
        const n = (metrics1.get(count) ?? 0) - (metrics0.get(count) ?? 0);
        return n > 0
          ? +((((metrics1.get(sum) ?? 0) - (metrics0.get(sum) ?? 0)) * scale) / n).toFixed(3)
          : null;
      };
      await new Promise((r) => setTimeout(r, 400));
      const gcs = (await readFile(gcFile, 'utf8'))
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { t: number; kind: number; flags: number; ms: number })
        .filter((g) => g.t >= t0 && g.t <= t1);
      const n = latencies.length;
      latencies.sort((a, b) => a - b);
      const major = gcs.filter((g) => g.kind === 4);
      console.log(
        JSON.stringify({
          label: args.label,
          model,
          concurrency: c,
          requests: n,
          p50Ms: +percentile(latencies, 50).toFixed(3),
          p90Ms: +percentile(latencies, 90).toFixed(3),
          perSecond: +(n / elapsed).toFixed(1),
          responseMBps: +(responseBytes / elapsed / 1e6).toFixed(1),
          routerCpuMsPerRequest: +(routerCpu / n).toFixed(3),
          shardCpuMsPerRequest: +(shardCpu / n).toFixed(3),
          // Where a request's time goes, from the processes' own /metrics over the phase (means):
          // the router's whole request, its partition calls (router → shard → router), and the
          // shard's ONNX Runtime runs. Request − call is the router's own; call − run the hop's.
          meanMs: {
            routerRequest: mean('router nv_inference_request_duration_us', 'router nv_inference_count', 1e-3),
            partitionCall: mean(
              'router shardmesh_partition_call_duration_seconds_sum',
              'router shardmesh_partition_call_duration_seconds_count',
              1e3,
            ),
            ortRun: mean(
              'shard shardmesh_shard_ort_run_duration_seconds_sum',
              'shard shardmesh_shard_ort_run_duration_seconds_count',
              1e3,
            ),
          },
          routerGc: {
            markCompacts: major.length,
            requestsPerMarkCompact: major.length ? Math.round(n / major.length) : null,
            scavenges: gcs.filter((g) => g.kind === 1).length,
            gcMsPerRequest: +(gcs.reduce((s, g) => s + g.ms, 0) / n).toFixed(3),
            markCompactMsPerRequest: +(major.reduce((s, g) => s + g.ms, 0) / n).toFixed(3),
            // Why V8 ran them (perf_hooks.constants.NODE_PERFORMANCE_GC_FLAGS_*): 64 = all
            // external memory (ArrayBuffer pressure), 16 = forced, 4 = idle-time.
            markCompactFlags: Object.fromEntries(
              [...new Set(major.map((g) => g.flags))].map((f) => [
                f,
                major.filter((g) => g.flags === f).length,
              ]),
            ),
          },
        }),
      );
    }
  } finally {
    client.close();
    await mesh.stop();
    await certs.cleanup();
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * Every sample of the router's and the shards' /metrics, summed over label sets, keyed
 * "router NAME" or "shard NAME" (all shards together).
 */
async function meshMetrics(mesh: Awaited<ReturnType<typeof startLocalMesh>>): Promise<Map<string, number>> {
  const sums = new Map<string, number>();
  const add = async (role: string, port: number | undefined): Promise<void> => {
    if (!port) return;
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    for (const line of text.split('\n')) {
      const match = /^([a-zA-Z_:][\w:]*)(?:\{[^}]*\})? ([^ ]+)/.exec(line);
      if (!match) continue;
      const key = `${role} ${match[1]}`;
      sums.set(key, (sums.get(key) ?? 0) + Number(match[2]));
    }
  };
  await add('router', mesh.router.metricsPort);
  for (const shard of mesh.shards.values()) await add('shard', shard.metricsPort);
  return sums;
}

await main();
