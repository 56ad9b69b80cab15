import { ms, perSec, ratio } from '../format.js';
import { spreadOf, type Spread } from '../interleaved.js';
import type { FanOutResult, FanOutRound, SuiteError } from '../results.js';
import { Commands, isError, suiteFailed, table, unstable } from './markdown.js';

/** Least-squares slope of y against x; undefined for fewer than two points or one x. */
function leastSquaresSlope(pts: readonly (readonly [number, number])[]): number | undefined {
  if (pts.length < 2) return undefined;
  const n = pts.length;
  const mx = pts.reduce((a, [x]) => a + x, 0) / n;
  const my = pts.reduce((a, [, y]) => a + y, 0) / n;
  const sxy = pts.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0);
  const sxx = pts.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  return sxx === 0 ? undefined : sxy / sxx;
}

type FanOutPoints = FanOutRound['points'];

/** Least-squares slope of p50s (µs) against partitions. */
const p50SlopeUs = (points: FanOutPoints): number | undefined =>
  leastSquaresSlope(points.map((p) => [p.partitions, p.latency.p50Us] as const));

/** Least-squares slope of one round's p50s (µs) against partitions. */
export function fanOutRoundSlopeUs(round: FanOutRound): number | undefined {
  return p50SlopeUs(round.points);
}

/**
 * The slope of p50 (µs) against partitions: median, min and max of the rounds' slopes; a run from
 * before rounds has its one pass as the only round.
 */
export function fanOutSlopeSpread(f: FanOutResult): Spread | undefined {
  const rounds: readonly FanOutRound[] = f.rounds?.length
    ? f.rounds
    : [
        {
          points: f.variants.flatMap((v) =>
            v.latency ? [{ partitions: v.partitions, latency: v.latency }] : [],
          ),
        },
      ];
  return spreadOf(rounds.map(fanOutRoundSlopeUs));
}

/**
 * The relay floor's slope of p50 (µs) against partitions (bench/floors/grpc-relay-server.ts in
 * front of one model process per partition, in the same rounds): median, min and max over the
 * rounds that measured it.
 */
export function fanOutFloorSlopeSpread(f: FanOutResult): Spread | undefined {
  return spreadOf((f.rounds ?? []).map((r) => p50SlopeUs(r.floorPoints ?? [])));
}

/**
 * The relay floor's CPU per extra partition (ms per request, all its processes; their requests
 * estimated from throughput × wall): the median over the rounds of each round's least-squares slope.
 */
export function fanOutFloorCpuSlope(f: FanOutResult): number | undefined {
  const cpu = (p: FanOutPoints[number]): number | undefined =>
    p.latency.cost?.processes.reduce((a, q) => a + q.cpuMsPerRequest, 0);
  return spreadOf(
    (f.rounds ?? []).map((r) =>
      leastSquaresSlope(
        (r.floorPoints ?? []).flatMap((p) => {
          const ms = cpu(p);
          return ms === undefined ? [] : [[p.partitions, ms] as const];
        }),
      ),
    ),
  )?.median;
}

/** The median slope of p50 (µs) against partitions over the rounds. */
export function fanOutSlopeUs(f: FanOutResult): number | undefined {
  return fanOutSlopeSpread(f)?.median;
}

/** CPU milliseconds per request of a variant's router and of its shards together (from /proc). */
export function fanOutCpuMs(
  v: FanOutResult['variants'][number],
): { router: number; shards: number } | undefined {
  const procs = v.latency?.cost?.processes;
  const router = procs?.find((p) => p.name === 'router')?.cpuMsPerRequest;
  const shards = procs?.filter((p) => p.name !== 'router').map((p) => p.cpuMsPerRequest);
  if (router === undefined || !shards?.length) return undefined;
  return { router, shards: shards.reduce((a, b) => a + b, 0) };
}

/**
 * What each extra partition costs in CPU milliseconds per request (least-squares slopes against
 * partitions), for the router and for router + shards. At concurrency 1 every partition's shard
 * runs on the same machine, so the whole slope shares its cores: divided by the core count it is
 * about what the machine's CPU alone adds to each request per partition; the router's slope is
 * what stays when every shard has a core of its own.
 */
export function fanOutCpuSlopes(f: FanOutResult): { router: number; total: number } | undefined {
  const pts = f.variants.flatMap((v) => {
    const cpu = fanOutCpuMs(v);
    return cpu ? [{ partitions: v.partitions, ...cpu }] : [];
  });
  const router = leastSquaresSlope(pts.map((p) => [p.partitions, p.router] as const));
  const total = leastSquaresSlope(pts.map((p) => [p.partitions, p.router + p.shards] as const));
  return router === undefined || total === undefined ? undefined : { router, total };
}

/** Section 4: latency against the number of partitions, and the slope of the fit. */
export function fanOutSection(s: FanOutResult | SuiteError | undefined, cores?: number): string {
  const failed = suiteFailed('4. Fan-out', s);
  if (failed || !s || isError(s)) return failed ?? '';
  const commands = new Commands();
  const one = s.variants.find((v) => v.partitions === 1)?.latency;
  const rows = s.variants.map((v) => {
    const cpu = fanOutCpuMs(v);
    return [
      String(v.partitions),
      v.latency ? `${ms(v.latency.p50Us)}${unstable(v.latency)}` : 'failed',
      v.latency ? ms(v.latency.p99Us) : '–',
      v.latency ? perSec(v.latency.throughputPerSec) : '–',
      ratio(v.latency?.p50Us, one?.p50Us),
      v.latency && one && v.partitions > 1 ? ms((v.latency.p50Us - one.p50Us) / (v.partitions - 1)) : '–',
      cpuText(cpu?.router),
      cpuText(cpu?.shards),
      cpuText(
        cpu && v.latency ? ((cpu.router + cpu.shards) * v.latency.throughputPerSec) / 1_000 : undefined,
      ),
      v.latency ? commands.ref(v.latency.command) : '',
    ];
  });
  const spread = fanOutSlopeSpread(s);
  const slope = spread?.median;
  const rounds = (s.rounds ?? []).map((round, i) => {
    const roundSlope = fanOutRoundSlopeUs(round);
    const floorSlope = p50SlopeUs(round.floorPoints ?? []);
    return (
      `round ${i + 1}: ${round.points.map((p) => `${p.partitions}: ${ms(p.latency.p50Us)}`).join(', ')} ms → ` +
      `${roundSlope === undefined ? '–' : ms(roundSlope)} ms per partition` +
      (round.floorPoints?.length
        ? ` (relay floor: ${round.floorPoints.map((p) => `${p.partitions}: ${ms(p.latency.p50Us)}`).join(', ')} ms → ` +
          `${floorSlope === undefined ? '–' : ms(floorSlope)} ms per partition)`
        : '')
    );
  });
  const floorSpread = fanOutFloorSlopeSpread(s);
  const floorCpu = fanOutFloorCpuSlope(s);
  const cpu = fanOutCpuSlopes(s);
  const errors = s.variants
    .filter((v) => v.error)
    .map((v) => `- ${v.partitions} partition(s): **not measured**: ${v.error}`);
  return (
    `## 4. Fan-out\n\nOne MLP ${s.shape.inputDim}→${s.shape.hiddenDim}→${s.shape.outputDim} (small compute) cut tensor-parallel into N partitions, ` +
    'one shard process each, `sum` gather; concurrency 1. One router and one shard process per partition of the ' +
    'largest cut serve every cut at once, and the cuts take turns, one perf_analyzer run each per round, each round ' +
    "starting with the next cut; the table shows the round whose slope is the median, and the slope is the median of the rounds'.\n\n" +
    table(
      [
        'partitions',
        'p50 ms',
        'p99 ms',
        'inf/s',
        'p50 vs 1 partition',
        'added per extra partition, ms',
        'router CPU ms/request',
        'shards CPU ms/request',
        'cores busy (CPU × inf/s)',
        'cmd',
      ],
      rows,
    ) +
    `\n\n${slope !== undefined ? `Least-squares slope: **${ms(slope)} ms per partition** at p50${spread && spread.rounds > 1 ? ` (median of ${spread.rounds} rounds, ${ms(spread.min)} – ${ms(spread.max)})` : ''}.\n` : ''}` +
    (floorSpread
      ? `\nThe relay floor (bench/floors/grpc-relay-server.ts forwarding each request to one grpc-model-server.ts per ` +
        "partition, running the partition's file, answering once all have; mutual TLS on both hops; measured in the same " +
        `rounds): **${ms(floorSpread.median)} ms per partition** (${ms(floorSpread.min)} – ${ms(floorSpread.max)}, ${floorSpread.rounds} rounds)` +
        (floorCpu === undefined
          ? '.\n'
          : `, and ${floorCpu.toFixed(2)} ms of CPU per extra partition (all its processes; requests estimated from throughput × wall).\n`)
      : '') +
    (s.floorError ? `\n- relay floor: **not measured**: ${s.floorError}\n` : '') +
    (rounds.length > 0 ? `\nEach round's p50s and slope: ${rounds.join('; ')}.\n` : '') +
    (cpu ? `\n${cpuSlopeText(cpu, cores)}\n` : '') +
    `${errors.length ? `\n${errors.join('\n')}\n` : ''}${commands.render()}`
  );
}

const cpuText = (v: number | undefined): string => (v === undefined ? '–' : v.toFixed(2));

function cpuSlopeText(cpu: { router: number; total: number }, cores: number | undefined): string {
  const machine =
    cores === undefined
      ? ''
      : ` Every shard shares this machine's ${cores} cores: once they are all busy ("cores busy" near ${cores}), ` +
        `that CPU alone adds about **${(cpu.total / cores).toFixed(2)} ms per partition** (${cpu.total.toFixed(2)} ÷ ${cores}) ` +
        'to the time per request (1 ÷ inf/s), whatever the mesh does in parallel;';
  return (
    `CPU per extra partition (least-squares slopes of CPU per request, /proc): **${cpu.total.toFixed(2)} ms**, ` +
    `of which the router's ${cpu.router.toFixed(2)} ms and the shards' ${(cpu.total - cpu.router).toFixed(2)} ms.` +
    `${machine} ${cores === undefined ? 'With' : 'with'} a core per shard, the router's ${cpu.router.toFixed(2)} ms, ` +
    'spent on one thread, would remain.'
  );
}
