import { MiB, ratio } from '../format.js';
import { roundRatios, spreadOf, type InterleavedRound, type Spread } from '../interleaved.js';
import type { LoadPoint } from '../perf-analyzer.js';
import type { BenchResults, TargetResult } from '../results.js';
import { fanOutFloorSlopeSpread, fanOutSlopeSpread } from './fan-out-section.js';
import { largeRatioSpreads } from './large-tensors-section.js';
import { isError, pointAt, table } from './markdown.js';
import { GRPC_FLOOR_MTLS, RELAY_FLOOR } from '../floors/floor-ids.js';

/** A goal of issue 8 ("Must show"): the figure must be at most or at least `value`. */
export interface Goal {
  readonly op: '≤' | '≥';
  readonly value: number;
}

/** One row of the report's goals table: a figure computed from a run, and its goal. */
export interface HeadlineFigure {
  readonly key: string;
  readonly label: string;
  /** Undefined when the run lacks what it is made of. */
  readonly value: number | undefined;
  /** How the value prints: a ratio (1.23×) or milliseconds. */
  readonly unit: '×' | 'ms';
  readonly goal?: Goal;
  /**
   * For figures measured in interleaved rounds (shardmesh and KServe taking turns, bench/interleaved.ts):
   * their median (which `value` is) and range.
   */
  readonly spread?: Spread;
  /** The same figure from the suite's sequential passes, minutes apart; shown beside the rounds'. */
  readonly singlePass?: number;
  /**
   * The bound the stack sets on the figure, from the grpc-js floor with mutual TLS (a server on the
   * router's stack that answers from memory) and the in-process ONNX Runtime floor: for p50, one
   * hop's plus one run's; for throughput, the grpc-js floor's alone; for CPU, the floor server's
   * plus one run's. No server on grpc-js + mTLS can beat it, so a goal it misses is out of reach.
   */
  readonly floor?: number;
  /**
   * The same bound for shardmesh's design, where a request crosses two such hops (client → router,
   * router → shard) and a shard's server too receives every request. Measured when the run has the
   * relay floor (bench/floors/grpc-relay-server.ts: a relay on the router's patched grpc-js in front
   * of a server running the model: its p50 and inf/s), from the interleaved rounds when it ran in
   * them (the median of its ratio to the peer's window beside it, as the figure is read), else
   * from its own pass; otherwise added up: for p50, two hops'
   * plus one run's (which leaves out the relay's client side and ONNX Runtime waking in a process
   * that sleeps between requests). For CPU always added up: two floor servers' plus one run's. A goal it misses is out of reach for a router in front of shards on grpc-js + mTLS,
   * unless the router is leaner than a relay that only moves bytes.
   */
  readonly twoHopFloor?: number;
  /** What the floors were measured on, as "out of reach on …" names it. @default 'grpc-js + mTLS' */
  readonly floorStack?: string;
  /** Section of the report that has the figures it is computed from. */
  readonly section: string;
}

const target = (r: BenchResults, model: string, id: string): TargetResult | undefined => {
  const o = r.suites.overhead;
  if (!o || isError(o)) return undefined;
  return o.models.find((m) => m.name === model)?.targets.find((t) => t.id === id);
};

/** The target whose figures bound the router's: grpc-js answering from memory over mutual TLS. */
const GRPC_FLOOR = GRPC_FLOOR_MTLS;

const point = (r: BenchResults, model: string, id: string, c: number): LoadPoint | undefined =>
  pointAt(target(r, model, id), c) as LoadPoint | undefined;

const div = (a: number | undefined, b: number | undefined): number | undefined =>
  a === undefined || b === undefined || b === 0 || !Number.isFinite(a / b) ? undefined : a / b;

/** The interleaved rounds of `model` at concurrency `c`, when the run has any. */
function roundsAt(r: BenchResults, model: string, c: number): readonly InterleavedRound[] | undefined {
  const o = r.suites.overhead;
  if (!o || isError(o) || !o.interleaved || isError(o.interleaved)) return undefined;
  const rounds = o.interleaved.points.find((p) => p.model === model && p.concurrency === c)?.rounds;
  return rounds && rounds.length > 0 ? rounds : undefined;
}

/**
 * A figure from the interleaved rounds when the run has them (value: their median), else from the
 * sequential pass alone.
 */
function preferRounds(
  singlePass: number | undefined,
  spread: Spread | undefined,
): Pick<HeadlineFigure, 'value' | 'spread' | 'singlePass'> {
  return spread ? { value: spread.median, spread, singlePass } : { value: singlePass };
}

/** Summed CPU (or GC) milliseconds per request of a point's processes; undefined if one is unknown. */
export function perRequest(p: LoadPoint | undefined, what: 'cpu' | 'gc'): number | undefined {
  const procs = p?.cost?.processes;
  if (!procs || procs.length === 0) return undefined;
  let sum = 0;
  for (const q of procs) {
    const v = what === 'cpu' ? q.cpuMsPerRequest : q.gc?.msPerRequest;
    if (v === undefined || !Number.isFinite(v)) return undefined;
    sum += v;
  }
  return sum;
}

/**
 * A large output's GB/s through the router ÷ the raw TLS socket's, and the same ratio for the
 * gRPC relay floor after one partition's ONNX Runtime run (the shards run theirs side by side
 * before the bytes move, so one run's time adds to the relay's): medians over the suite's rounds.
 * A run without the gRPC relay floor takes the TLS relay floor's instead, a bound on Node TLS.
 */
function largeRatios(
  r: BenchResults,
  bytes: number,
): Pick<HeadlineFigure, 'value' | 'spread' | 'twoHopFloor' | 'floorStack'> {
  const l = r.suites.largeTensors;
  const s = l && !isError(l) ? l.sizes.find((x) => x.bytes === bytes) : undefined;
  if (!s) return { value: undefined };
  const { ratio: spread, floorRatio, grpcFloorRatio } = largeRatioSpreads(s);
  const twoHop = grpcFloorRatio
    ? { twoHopFloor: grpcFloorRatio.median, floorStack: 'grpc-js + mTLS' }
    : floorRatio
      ? { twoHopFloor: floorRatio.median, floorStack: 'Node TLS' }
      : { floorStack: 'Node TLS' };
  return {
    value: spread?.median,
    ...(spread && spread.rounds > 1 ? { spread } : {}),
    ...twoHop,
  };
}

/** The "Must show" figures of issue 8, then the cost figures that explain them. */
export function headlineFigures(r: BenchResults): HeadlineFigure[] {
  const mesh = 'shardmesh-p1';
  const f = r.suites.fanOut;
  const slope = f && !isError(f) ? fanOutSlopeSpread(f) : undefined;
  const floorSlope = f && !isError(f) ? fanOutFloorSlopeSpread(f) : undefined;
  const versusKServe = (model: string, c: number, figure: (p: LoadPoint) => number) => {
    const rounds = roundsAt(r, model, c);
    const mine = point(r, model, mesh, c);
    const theirs = point(r, model, 'kserve', c);
    return preferRounds(
      div(mine && figure(mine), theirs && figure(theirs)),
      rounds && roundRatios(rounds, figure),
    );
  };
  const p50 = (model: string, c: number) => versusKServe(model, c, (p) => p.p50Us);
  const tput = (model: string, c: number) => versusKServe(model, c, (p) => p.throughputPerSec);
  const clsRounds = roundsAt(r, 'cls', 1);
  // Bounds that no server on grpc-js + mTLS can pass: a request's p50 is at least one grpc-js
  // hop's plus one ONNX Runtime run's (in-process, c=1); its throughput at most the grpc-js floor's.
  const floorP50 = (model: string, c: number, hops = 1): number | undefined => {
    const hop = point(r, model, GRPC_FLOOR, c)?.p50Us;
    const run = point(r, model, 'floor', 1)?.p50Us;
    return div(
      hop === undefined || run === undefined ? undefined : hops * hop + run,
      point(r, model, 'kserve', c)?.p50Us,
    );
  };
  const floorTput = (model: string, c: number, id = GRPC_FLOOR): number | undefined =>
    div(point(r, model, id, c)?.throughputPerSec, point(r, model, 'kserve', c)?.throughputPerSec);
  // The two-process bound: the relay floor ÷ KServe in the interleaved rounds, beside the figure
  // it bounds; else the two passes' ratio, minutes apart; else added up.
  const floorInRounds = (model: string, c: number, figure: (p: LoadPoint) => number): number | undefined => {
    const rounds = roundsAt(r, model, c);
    return rounds && roundRatios(rounds, figure, 'floor')?.median;
  };
  const twoHopP50 = (model: string, c: number): number | undefined =>
    floorInRounds(model, c, (p) => p.p50Us) ??
    div(point(r, model, RELAY_FLOOR, c)?.p50Us, point(r, model, 'kserve', c)?.p50Us) ??
    floorP50(model, c, 2);
  const twoHopTput = (model: string, c: number): number | undefined =>
    floorInRounds(model, c, (p) => p.throughputPerSec) ?? floorTput(model, c, RELAY_FLOOR);
  // A shard runs the model at least once per request: ONNX Runtime's in-process p50 at c=1 on one
  // thread is its CPU time.
  const ortUs = point(r, 'cls', 'floor', 1)?.p50Us;
  const floorCpu = perRequest(point(r, 'cls', GRPC_FLOOR, 1), 'cpu');
  const clsCpuFloor = (hops: number): number | undefined =>
    floorCpu === undefined || ortUs === undefined ? undefined : hops * floorCpu + ortUs / 1_000;
  return [
    {
      key: 'cls-c1-p50',
      label: 'cls c=1 p50, shardmesh ÷ KServe',
      ...p50('cls', 1),
      unit: '×',
      goal: { op: '≤', value: 1.2 },
      floor: floorP50('cls', 1),
      twoHopFloor: twoHopP50('cls', 1),
      section: '§1',
    },
    {
      key: 'cls-c16-tput',
      label: 'cls c=16 inf/s, shardmesh ÷ KServe',
      ...tput('cls', 16),
      unit: '×',
      goal: { op: '≥', value: 0.8 },
      floor: floorTput('cls', 16),
      twoHopFloor: twoHopTput('cls', 16),
      section: '§1',
    },
    {
      key: 'rec-c1-p50',
      label: 'rec c=1 p50, shardmesh ÷ KServe',
      ...p50('rec', 1),
      unit: '×',
      goal: { op: '≤', value: 1.15 },
      floor: floorP50('rec', 1),
      twoHopFloor: twoHopP50('rec', 1),
      section: '§1',
    },
    {
      key: 'rec-c16-tput',
      label: 'rec c=16 inf/s, shardmesh ÷ KServe',
      ...tput('rec', 16),
      unit: '×',
      goal: { op: '≥', value: 0.9 },
      floor: floorTput('rec', 16),
      twoHopFloor: twoHopTput('rec', 16),
      section: '§1',
    },
    {
      key: 'fan-out-slope',
      label: 'p50 added per extra partition (fan-out slope)',
      value: slope === undefined ? undefined : slope.median / 1_000,
      ...(slope && slope.rounds > 1
        ? {
            spread: {
              median: slope.median / 1_000,
              min: slope.min / 1_000,
              max: slope.max / 1_000,
              rounds: slope.rounds,
            },
          }
        : {}),
      // The relay floor's slope: a fan-out on grpc-js + mTLS with nothing of shardmesh's own.
      ...(floorSlope ? { twoHopFloor: floorSlope.median / 1_000 } : {}),
      unit: 'ms',
      goal: { op: '≤', value: 0.3 },
      section: '§4',
    },
    {
      key: 'large-64',
      label: '64 MiB output ÷ raw TLS socket',
      ...largeRatios(r, 64 * MiB),
      unit: '×',
      goal: { op: '≥', value: 0.45 },
      section: '§2',
    },
    {
      key: 'large-256',
      label: '256 MiB output ÷ raw TLS socket',
      ...largeRatios(r, 256 * MiB),
      unit: '×',
      goal: { op: '≥', value: 0.35 },
      section: '§2',
    },
    {
      key: 'cls-cpu',
      label: 'router + shard CPU per cls request (c=1)',
      ...preferRounds(
        perRequest(point(r, 'cls', mesh, 1), 'cpu'),
        clsRounds && spreadOf(clsRounds.map((x) => perRequest(x.mesh, 'cpu'))),
      ),
      unit: 'ms',
      goal: { op: '≤', value: 1.5 },
      floor: clsCpuFloor(1),
      // Added up, even with the relay floor measured: its CPU is estimated from throughput × wall,
      // as a peer's, so it bounds nothing (it read above the mesh's own).
      twoHopFloor: clsCpuFloor(2),
      section: '§5',
    },
    {
      key: 'cls-cpu-c16',
      label: 'router + shard CPU per cls request (c=16)',
      value: perRequest(point(r, 'cls', mesh, 16), 'cpu'),
      unit: 'ms',
      section: '§5',
    },
    {
      key: 'cls-gc',
      label: 'router + shard GC per cls request (c=1)',
      value: perRequest(point(r, 'cls', mesh, 1), 'gc'),
      unit: 'ms',
      section: '§5',
    },
    {
      key: 'kserve-cls-cpu',
      label: 'KServe CPU per cls request (c=1, requests estimated)',
      value: perRequest(point(r, 'cls', 'kserve', 1), 'cpu'),
      unit: 'ms',
      section: '§5',
    },
  ];
}

/** A figure as the goals table prints it. */
export function formatFigure(value: number | undefined, unit: HeadlineFigure['unit']): string {
  if (value === undefined) return '–';
  if (unit === 'ms') return `${value < 10 ? value.toFixed(2) : value.toFixed(1)} ms`;
  return `${value < 10 ? value.toFixed(2) : value.toFixed(1)}×`;
}

const meets = (value: number, goal: Goal): boolean =>
  goal.op === '≤' ? value <= goal.value : value >= goal.value;

/**
 * "yes", "**no**", or "not measured"; "–" for a figure without a goal. A missed goal that the
 * grpc-js floor misses too is "**no**, out of reach on grpc-js + mTLS"; one that only the two-hop
 * floor misses is "**no**, out of reach for router → shard on grpc-js + mTLS" (`stack` names
 * what the floors ran on).
 */
export function goalMet(
  value: number | undefined,
  goal: Goal | undefined,
  floor?: number,
  twoHopFloor?: number,
  stack = 'grpc-js + mTLS',
): string {
  if (!goal) return '–';
  if (value === undefined) return 'not measured';
  if (meets(value, goal)) return 'yes';
  if (floor !== undefined && !meets(floor, goal)) return `**no**, out of reach on ${stack}`;
  if (twoHopFloor !== undefined && !meets(twoHopFloor, goal))
    return `**no**, out of reach for router → shard on ${stack}`;
  return '**no**';
}

/**
 * This run against the previous one of the same mode: "1.10×" means the figure is 1.10 times what
 * it was (for a ≤ goal, lower is better; for a ≥ goal, higher is).
 */
export function versusPrevious(value: number | undefined, previous: number | undefined): string {
  return ratio(value, previous);
}

/**
 * The goals table: every "Must show" figure of issue 8, its goal, whether it is met, and the previous
 * run. A figure measured in interleaved rounds shows their median, their range and the sequential
 * pass's figure beside it.
 */
export function goalsTable(r: BenchResults, previous: BenchResults | undefined): string {
  const before = new Map(previous ? headlineFigures(previous).map((f) => [f.key, f.value]) : []);
  const rows = headlineFigures(r).map((f) => [
    f.label,
    formatFigure(f.value, f.unit),
    f.spread
      ? `${formatFigure(f.spread.min, f.unit)} – ${formatFigure(f.spread.max, f.unit)} (${f.spread.rounds})`
      : '–',
    f.spread ? formatFigure(f.singlePass, f.unit) : '–',
    f.goal ? `${f.goal.op} ${formatFigure(f.goal.value, f.unit)}` : '–',
    formatFigure(f.floor, f.unit),
    formatFigure(f.twoHopFloor, f.unit),
    goalMet(f.value, f.goal, f.floor, f.twoHopFloor, f.floorStack),
    previous ? formatFigure(before.get(f.key), f.unit) : '–',
    previous ? versusPrevious(f.value, before.get(f.key)) : '–',
    f.section,
  ]);
  return table(
    [
      'figure',
      'this run',
      'rounds: min – max (n)',
      'single pass',
      'goal',
      'grpc-js floor',
      'two-hop floor',
      'met',
      'previous',
      'vs previous',
      'from',
    ],
    rows,
  );
}
