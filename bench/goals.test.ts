import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { LoadPoint } from './perf-analyzer.js';
import type { RequestCost } from './process-cost.js';
import { renderReport } from './report.js';
import { formatFigure, goalMet, goalsTable, headlineFigures, versusPrevious } from './report/goals.js';
import type { TlsFloorPoint } from './floors/tls-socket-floor.js';
import type {
  BenchResults,
  FanOutResult,
  LargeTensorsResult,
  OverheadResult,
  TargetResult,
} from './results.js';

const MiB = 1 << 20;

const cost = (router: number, shard: number, gc = 0.1): RequestCost => ({
  requests: 100,
  requestsFrom: 'router statistics',
  wallMs: 1_000,
  processes: [
    {
      name: 'router',
      cpuMs: router * 100,
      cpuMsPerRequest: router,
      gc: { count: 3, ms: gc * 100, msPerRequest: gc, major: 1 },
    },
    {
      name: 'shard-0',
      cpuMs: shard * 100,
      cpuMsPerRequest: shard,
      gc: { count: 1, ms: 0, msPerRequest: 0, major: 0 },
    },
  ],
});

const pt = (concurrency: number, p50Us: number, throughputPerSec: number, c?: RequestCost): LoadPoint => ({
  concurrency,
  p50Us,
  p90Us: p50Us,
  p99Us: p50Us,
  throughputPerSec,
  stable: true,
  command: 'pa',
  ...(c ? { cost: c } : {}),
});

/** A run whose shardmesh is `k` times KServe's p50 and 1/k its throughput, with fan-out slope `slopeUs`. */
function run(runId: string, k: number, slopeUs: number, cpu: [number, number]): BenchResults {
  const targets = (base: number): TargetResult[] => [
    {
      id: 'shardmesh-p1',
      label: 'shardmesh',
      setup: '',
      points: [pt(1, base * k, 1e6 / (base * k), cost(...cpu)), pt(16, base * k * 4, 4e6 / (base * k))],
    },
    {
      id: 'kserve',
      label: 'KServe',
      setup: '',
      points: [pt(1, base, 1e6 / base), pt(16, base * 4, 4e6 / base)],
    },
    // grpc-js answering from memory over mTLS: 1.5× KServe's p50, 1/1.5 its throughput, 0.5 ms CPU.
    {
      id: 'grpc-js-floor-mtls',
      label: 'grpc-js floor',
      setup: '',
      points: [
        pt(1, base * 1.5, 1e6 / (base * 1.5), { ...cost(0.5, 0), processes: [cost(0.5, 0).processes[0]!] }),
        pt(16, base * 6, 4e6 / (base * 1.5)),
      ],
    },
    // ONNX Runtime in-process: 400 µs a run.
    { id: 'floor', label: 'ORT floor', setup: '', points: [pt(1, 400, 2_500)] },
  ];
  return {
    runId,
    quick: true,
    command: 'npm run bench -- --quick',
    startedAt: '',
    environment: {
      node: 'v20',
      os: 'Linux',
      cpu: 'cpu',
      cores: 2,
      memoryBytes: 1 << 30,
      shardmesh: '0.1.0',
      onnxruntimeNode: '1.30.0',
      perfAnalyzer: '2.60.0',
      peers: {},
    },
    suites: {
      overhead: {
        models: [
          { name: 'cls', label: 'cls', inputShape: [1], targets: targets(1_500) },
          { name: 'rec', label: 'rec', inputShape: [1], targets: targets(9_000) },
        ],
      },
      largeTensors: {
        partitions: 2,
        sizes: [
          {
            bytes: 64 * MiB,
            model: 'outer-64m',
            router: { ...pt(1, 1e5, 10), gbPerSec: 0.5 },
            floor: { bytes: 64 * MiB, gbPerSec: 1, p50Us: 1, p90Us: 1, p99Us: 1, command: 'tls' } as never,
            // The relay's 100 ms and a run's 34.2 ms: 64 MiB in 134.2 ms, 0.5 GB/s, half the socket's.
            relayFloor: { bytes: 64 * MiB, gbPerSec: 0.7, p50Us: 100_000, command: 'relay' } as never,
            partitionRun: {
              concurrency: 1,
              throughputPerSec: 29,
              p50Us: 34_217.728,
              command: 'ort',
            } as never,
          },
          { bytes: 256 * MiB, model: 'outer-256m', routerError: 'out of memory' },
        ],
      },
      fanOut: {
        shape: { inputDim: 1, hiddenDim: 1, outputDim: 1 },
        variants: [1, 2, 4, 8].map((p) => ({
          partitions: p,
          model: `fan-p${p}`,
          latency: pt(1, 1_000 + slopeUs * p, 1),
        })),
      },
    },
    timingsSec: { total: 1 },
  };
}

describe('goals table', () => {
  test('ratios and milliseconds print as the issue writes them; "vs previous" is now ÷ then', () => {
    assert.equal(formatFigure(3.1749, '×'), '3.17×');
    assert.equal(formatFigure(12.34, '×'), '12.3×');
    assert.equal(formatFigure(0.3, 'ms'), '0.30 ms');
    assert.equal(formatFigure(undefined, 'ms'), '–');
    assert.equal(versusPrevious(1.2, 2.4), '0.50×');
    assert.equal(versusPrevious(1.2, undefined), '–');
    assert.equal(versusPrevious(1.2, 0), '–');
  });

  test('a goal is met on its own side of the bound, bound included', () => {
    assert.equal(goalMet(1.2, { op: '≤', value: 1.2 }), 'yes');
    assert.equal(goalMet(1.21, { op: '≤', value: 1.2 }), '**no**');
    assert.equal(goalMet(0.8, { op: '≥', value: 0.8 }), 'yes');
    assert.equal(goalMet(0.79, { op: '≥', value: 0.8 }), '**no**');
    assert.equal(goalMet(undefined, { op: '≥', value: 0.8 }), 'not measured');
    assert.equal(goalMet(5, undefined), '–');
  });

  test('a missed goal that the grpc-js floor misses too is out of reach on the stack', () => {
    assert.equal(goalMet(2, { op: '≤', value: 1.2 }, 1.5), '**no**, out of reach on grpc-js + mTLS');
    assert.equal(goalMet(2, { op: '≤', value: 1.2 }, 1.1), '**no**');
    assert.equal(goalMet(0.5, { op: '≥', value: 0.8 }, 0.6), '**no**, out of reach on grpc-js + mTLS');
    assert.equal(goalMet(1.1, { op: '≤', value: 1.2 }, 1.5), 'yes');
  });

  test('a missed goal that only the two-hop floor misses is out of reach for the router → shard design', () => {
    const design = '**no**, out of reach for router → shard on grpc-js + mTLS';
    assert.equal(goalMet(2, { op: '≤', value: 1.2 }, 1.1, 1.6), design);
    assert.equal(goalMet(2, { op: '≤', value: 1.2 }, 1.1, 1.15), '**no**');
    assert.equal(goalMet(3, { op: '≤', value: 1.5 }, 1.6, 2.2), '**no**, out of reach on grpc-js + mTLS');
    assert.equal(goalMet(1.1, { op: '≤', value: 1.2 }, 1.1, 1.6), 'yes');
  });

  test("the floor's figures: one hop plus one ONNX Runtime run for p50, its throughput, its CPU plus one run", () => {
    const floors = Object.fromEntries(
      headlineFigures(run('r', 2, 500, [1.25, 0.75]))
        .filter((f) => f.floor !== undefined)
        .map((f) => [f.key, Math.round(f.floor! * 1e6) / 1e6]),
    );
    assert.deepEqual(floors, {
      'cls-c1-p50': 1.766667,
      'cls-c16-tput': 0.666667,
      'rec-c1-p50': 1.544444,
      'rec-c16-tput': 0.666667,
      'cls-cpu': 0.9,
    });
  });

  test("the two-hop floor's figures: two hops plus one run for p50, two floor servers' CPU plus one run", () => {
    const floors = Object.fromEntries(
      headlineFigures(run('r', 2, 500, [1.25, 0.75]))
        .filter((f) => f.twoHopFloor !== undefined)
        .map((f) => [f.key, Math.round(f.twoHopFloor! * 1e6) / 1e6]),
    );
    // cls: KServe 1500 µs, a hop 2250 µs, a run 400 µs; rec: KServe 9000 µs, a hop 13500 µs.
    assert.deepEqual(floors, {
      'cls-c1-p50': 3.266667,
      'rec-c1-p50': 3.044444,
      'large-64': 0.5,
      'cls-cpu': 1.4,
    });
  });

  test('a run with the relay floor measured: its p50 and throughput are the two-hop floor; CPU stays added up', () => {
    const r = run('r', 2, 500, [1.25, 0.75]);
    const relay = (base: number): TargetResult => ({
      id: 'grpc-js-relay-floor',
      label: 'relay floor',
      setup: '',
      // 1.3× KServe's p50, 1/2 its throughput at c=16; 0.9 + 1.2 ms CPU (front, model) per request.
      points: [pt(1, base * 1.3, 1e6 / (base * 1.3), cost(0.9, 1.2)), pt(16, base * 8, 2e6 / base)],
    });
    const overhead = r.suites.overhead as OverheadResult;
    overhead.models[0]!.targets.push(relay(1_500));
    overhead.models[1]!.targets.push(relay(9_000));
    const floors = Object.fromEntries(
      headlineFigures(r)
        .filter((f) => f.twoHopFloor !== undefined)
        .map((f) => [f.key, Math.round(f.twoHopFloor! * 1e6) / 1e6]),
    );
    assert.deepEqual(floors, {
      'cls-c1-p50': 1.3,
      'cls-c16-tput': 0.5,
      'rec-c1-p50': 1.3,
      'rec-c16-tput': 0.5,
      'large-64': 0.5,
      // Two floor servers' 0.5 ms plus a 400 µs run: the relay's estimated 2.1 ms is no bound.
      'cls-cpu': 1.4,
    });
  });

  test("a large output with rounds: the median of each round's ratio, with its range, and of its relay floor", () => {
    const r = run('r', 2, 500, [1.25, 0.75]);
    const large = r.suites.largeTensors as LargeTensorsResult;
    const tls = (gbPerSec: number, p50Us = 1): TlsFloorPoint =>
      ({ bytes: 64 * MiB, gbPerSec, p50Us, command: 'tls' }) as TlsFloorPoint;
    const round = (router: number, floor: number, relayUs: number) => ({
      router: { ...pt(1, 1, 1), gbPerSec: router },
      floor: tls(floor),
      relayFloor: tls(0, relayUs),
      partitionRun: { concurrency: 1, throughputPerSec: 1, p50Us: 34_217.728, command: 'ort' } as never,
    });
    // Router ÷ floor 0.5, 0.25, 0.4 (the machine slowed the floor down in round 2, not the mesh);
    // relay + run: 0.5 GB/s (100 + 34.2 ms) each round, so 0.5, 0.25, 0.5 of floors of 1, 2, 1.
    large.sizes[0]!.rounds = [round(0.5, 1, 100_000), round(0.5, 2, 100_000), round(0.4, 1, 100_000)];
    const figure = headlineFigures(r).find((f) => f.key === 'large-64')!;
    assert.equal(figure.value, 0.4);
    assert.deepEqual(figure.spread, { median: 0.4, min: 0.25, max: 0.5, rounds: 3 });
    assert.equal(Math.round(figure.twoHopFloor! * 1e6) / 1e6, 0.5);
  });

  test("the fan-out slope with rounds: the median of the rounds' least-squares slopes, with their range", () => {
    const r = run('r', 2, 500, [1.25, 0.75]);
    const fan = r.suites.fanOut as FanOutResult;
    const round = (slopeUs: number) => ({
      points: [1, 2, 4, 8].map((p) => ({ partitions: p, latency: pt(1, 1_000 + slopeUs * p, 1) })),
    });
    // The variants' own points (slope 500 µs) are the median round's; the rounds decide.
    fan.rounds = [round(300), round(900), round(400)];
    const figure = headlineFigures(r).find((f) => f.key === 'fan-out-slope')!;
    assert.equal(Math.round(figure.value! * 1e6) / 1e6, 0.4);
    assert.deepEqual(
      figure.spread &&
        Object.fromEntries(Object.entries(figure.spread).map(([k, v]) => [k, Math.round(v * 1e6) / 1e6])),
      { median: 0.4, min: 0.3, max: 0.9, rounds: 3 },
    );
  });

  test("the fan-out slope's two-hop floor: the median of the relay floor's slopes over the rounds", () => {
    const r = run('r', 2, 500, [1.25, 0.75]);
    const fan = r.suites.fanOut as FanOutResult;
    const points = (slopeUs: number) =>
      [1, 2, 4, 8].map((p) => ({ partitions: p, latency: pt(1, 1_000 + slopeUs * p, 1) }));
    fan.rounds = [
      { points: points(300), floorPoints: points(350) },
      { points: points(900), floorPoints: points(450) },
      { points: points(400), floorPoints: points(400) },
    ];
    const figure = headlineFigures(r).find((f) => f.key === 'fan-out-slope')!;
    assert.equal(Math.round(figure.twoHopFloor! * 1e6) / 1e6, 0.4);
    assert.equal(
      goalMet(figure.value, { op: '≤', value: 0.3 }, figure.floor, figure.twoHopFloor, figure.floorStack),
      '**no**, out of reach for router → shard on grpc-js + mTLS',
    );
  });

  test('a large output missing its goal with the relay floor is out of reach on Node TLS', () => {
    const large = headlineFigures(run('r', 2, 500, [1.25, 0.75])).find((f) => f.key === 'large-64')!;
    assert.equal(large.floorStack, 'Node TLS');
    assert.equal(
      goalMet(0.39, { op: '≥', value: 0.45 }, undefined, 0.42, large.floorStack),
      '**no**, out of reach for router → shard on Node TLS',
    );
    assert.equal(goalMet(0.39, { op: '≥', value: 0.45 }, undefined, 0.5, large.floorStack), '**no**');
  });

  test('a large output with the gRPC relay floor: it is the two-hop floor, a bound on grpc-js + mTLS', () => {
    const r = run('r', 2, 500, [1.25, 0.75]);
    const large = r.suites.largeTensors as LargeTensorsResult;
    // The gRPC relay's 234.2 ms and a run's 34.2 ms: 64 MiB in 268.4 ms, 0.25 GB/s, a quarter of the socket's.
    large.sizes[0]!.grpcRelayFloor = { ...pt(1, 234_217.728, 1), gbPerSec: 0.29 };
    const figure = headlineFigures(r).find((f) => f.key === 'large-64')!;
    assert.equal(figure.floorStack, 'grpc-js + mTLS');
    assert.equal(Math.round(figure.twoHopFloor! * 1e6) / 1e6, 0.25);
    assert.equal(
      goalMet(figure.value, { op: '≥', value: 0.6 }, undefined, figure.twoHopFloor, figure.floorStack),
      '**no**, out of reach for router → shard on grpc-js + mTLS',
    );
  });

  test("every Must-show figure of issue 8 is computed from the run's results", () => {
    const values = Object.fromEntries(
      headlineFigures(run('r', 2, 500, [1.25, 0.75])).map((f) => [f.key, f.value]),
    );
    assert.deepEqual(
      Object.fromEntries(
        Object.entries(values).map(([k, v]) => [k, v === undefined ? v : Math.round(v * 1e6) / 1e6]),
      ),
      {
        'cls-c1-p50': 2,
        'cls-c16-tput': 0.5,
        'rec-c1-p50': 2,
        'rec-c16-tput': 0.5,
        'fan-out-slope': 0.5,
        'large-64': 0.5,
        'large-256': undefined,
        'cls-cpu': 2,
        'cls-cpu-c16': undefined,
        'cls-gc': 0.1,
        'kserve-cls-cpu': undefined,
      },
    );
  });

  test('the table shows each figure beside its goal, whether it is met, and the previous run', () => {
    const now = run('20260102T000000-quick', 2, 500, [1, 0.5]);
    const then = run('20260101T000000-quick', 4, 1_000, [2, 1]);
    const md = goalsTable(now, then);
    assert.match(
      md,
      /^\| figure \| this run \| rounds: min – max \(n\) \| single pass \| goal \| grpc-js floor \| two-hop floor \| met \| previous \| vs previous \| from \|$/m,
    );
    assert.match(
      md,
      /^\| cls c=1 p50, shardmesh ÷ KServe \| 2\.00× \| – \| – \| ≤ 1\.20× \| 1\.77× \| 3\.27× \| \*\*no\*\*, out of reach on grpc-js \+ mTLS \| 4\.00× \| 0\.50× \| §1 \|$/m,
    );
    assert.match(
      md,
      /^\| cls c=16 inf\/s, shardmesh ÷ KServe \| 0\.50× \| – \| – \| ≥ 0\.80× \| 0\.67× \| – \| \*\*no\*\*, out of reach on grpc-js \+ mTLS \| 0\.25× \| 2\.00× \| §1 \|$/m,
    );
    assert.match(
      md,
      /^\| rec c=1 p50, shardmesh ÷ KServe \| 2\.00× \| – \| – \| ≤ 1\.15× \| 1\.54× \| 3\.04× \| \*\*no\*\*, out of reach on grpc-js \+ mTLS \| 4\.00× \| 0\.50× \| §1 \|$/m,
    );
    assert.match(
      md,
      /^\| rec c=16 inf\/s, shardmesh ÷ KServe \| 0\.50× \| – \| – \| ≥ 0\.90× \| 0\.67× \| – \| \*\*no\*\*, out of reach on grpc-js \+ mTLS \| 0\.25× \| 2\.00× \| §1 \|$/m,
    );
    assert.match(
      md,
      /^\| p50 added per extra partition \(fan-out slope\) \| 0\.50 ms \| – \| – \| ≤ 0\.30 ms \| – \| – \| \*\*no\*\* \| 1\.00 ms \| 0\.50× \| §4 \|$/m,
    );
    assert.match(
      md,
      /^\| 64 MiB output ÷ raw TLS socket \| 0\.50× \| – \| – \| ≥ 0\.45× \| – \| 0\.50× \| yes \| 0\.50× \| 1\.00× \| §2 \|$/m,
    );
    assert.match(
      md,
      /^\| 256 MiB output ÷ raw TLS socket \| – \| – \| – \| ≥ 0\.35× \| – \| – \| not measured \| – \| – \| §2 \|$/m,
    );
    assert.match(
      md,
      /^\| router \+ shard CPU per cls request \(c=1\) \| 1\.50 ms \| – \| – \| ≤ 1\.50 ms \| 0\.90 ms \| 1\.40 ms \| yes \| 3\.00 ms \| 0\.50× \| §5 \|$/m,
    );
  });

  test('figures against KServe and the CPU come from the interleaved rounds when the run has them', () => {
    // The sequential pass says 2× (minutes apart); side by side, round by round: 1.1×, 1.3×, 1.2×.
    const r = run('20260102T000000-quick', 2, 500, [1, 0.5]);
    const o = r.suites.overhead as OverheadResult;
    const round = (first: 'mesh' | 'peer', k: number, base: number, cpu: number) => ({
      first,
      mesh: pt(1, base * k, 1e6 / (base * k), cost(cpu, 0.25)),
      peer: pt(1, base, 1e6 / base),
    });
    o.interleaved = {
      peer: 'kserve',
      rounds: 3,
      points: [
        {
          model: 'cls',
          concurrency: 1,
          // The machine slows 3× in the second round: both sides feel it.
          rounds: [
            round('mesh', 1.1, 1_000, 0.75),
            round('peer', 1.3, 3_000, 2),
            round('mesh', 1.2, 1_000, 0.85),
          ],
        },
        { model: 'rec', concurrency: 16, rounds: [], error: 'perf_analyzer failed' },
      ],
    };
    const figures = new Map(headlineFigures(r).map((f) => [f.key, f]));
    const cls = figures.get('cls-c1-p50')!;
    assert.equal(Math.round(cls.value! * 1e6) / 1e6, 1.2);
    assert.equal(cls.singlePass, 2);
    assert.deepEqual(
      [cls.spread!.min, cls.spread!.max, cls.spread!.rounds].map((x) => Math.round(x * 1e6) / 1e6),
      [1.1, 1.3, 3],
    );
    assert.equal(goalMet(cls.value, cls.goal), 'yes');
    // No rounds at cls c=16: the sequential pass's figure.
    assert.equal(figures.get('cls-c16-tput')!.value, 0.5);
    // CPU per request: router + shard of each mesh window, median over the rounds.
    const cpu = figures.get('cls-cpu')!;
    assert.equal(cpu.value, 1.1);
    assert.equal(cpu.singlePass, 1.5);
    // A point without rounds falls back to the sequential pass and says nothing about rounds.
    const rec = figures.get('rec-c16-tput')!;
    assert.equal(rec.value, 0.5);
    assert.equal(rec.spread, undefined);
    assert.match(
      goalsTable(r, undefined),
      /^\| cls c=1 p50, shardmesh ÷ KServe \| 1\.20× \| 1\.10× – 1\.30× \(3\) \| 2\.00× \| ≤ 1\.20× \| .* \| yes \|/m,
    );
    // §1 lists every round in the order run, with who went first.
    const report = renderReport(r, undefined);
    assert.match(
      report,
      /### Interleaved rounds: shardmesh \(router \+ 1 shard\), KServe and the relay floor taking turns/,
    );
    assert.match(
      report,
      /^\| cls \| 1 \| 2 \| KServe \| 3\.90 \/ 256 \[\d+\] \| 3\.00 \/ 333 \[\d+\] \| 1\.30×, 0\.77× \| 2\.25 \| – \| – \|$/m,
    );
    assert.match(report, /^- rec c=16: \*\*not measured\*\*: perf_analyzer failed$/m);
  });

  test("the two-hop floor comes from the relay floor's windows in the rounds, beside KServe's, when they had one", () => {
    // The relay floor's own pass says 0.8× KServe (minutes apart); beside KServe's windows it reads
    // 1.3×, 1.5×, 1.4×: above the goal, so the mesh's 1.6× misses it for the design, not for the code.
    const r = run('20260102T000000-quick', 2, 500, [1, 0.5]);
    const o = r.suites.overhead as OverheadResult;
    o.models[0]!.targets.push({
      id: 'grpc-js-relay-floor',
      label: 'relay floor',
      setup: '',
      points: [pt(1, 1_200, 1e6 / 1_200), pt(16, 6_000, 4e6 / 1_500)],
    });
    const round = (first: 'mesh' | 'peer', base: number, floor: number) => ({
      first,
      mesh: pt(1, base * 1.6, 1e6 / (base * 1.6), cost(1, 0.5)),
      peer: pt(1, base, 1e6 / base),
      floor: pt(1, base * floor, 1e6 / (base * floor)),
    });
    o.interleaved = {
      peer: 'kserve',
      rounds: 3,
      points: [
        {
          model: 'cls',
          concurrency: 1,
          rounds: [round('mesh', 1_000, 1.3), round('peer', 3_000, 1.5), round('mesh', 1_000, 1.4)],
        },
        {
          model: 'rec',
          concurrency: 1,
          rounds: [{ first: 'mesh', mesh: pt(1, 12_000, 83), peer: pt(1, 10_000, 100) }],
          floorError: 'the floor did not start',
        },
      ],
    };
    const figures = new Map(headlineFigures(r).map((f) => [f.key, f]));
    const cls = figures.get('cls-c1-p50')!;
    assert.equal(Math.round(cls.twoHopFloor! * 1e6) / 1e6, 1.4);
    assert.equal(
      goalMet(cls.value, cls.goal, undefined, cls.twoHopFloor),
      '**no**, out of reach for router → shard on grpc-js + mTLS',
    );
    // Rounds without the floor: its own pass (cls c=16: 4e6/1500 ÷ 4e6/1500 = 1).
    assert.equal(figures.get('cls-c16-tput')!.twoHopFloor, 1);
    const report = renderReport(r, undefined);
    assert.match(
      report,
      /^\| cls \| 1 \| 2 \| KServe \| 4\.80 \/ 208 \[\d+\] \| 3\.00 \/ 333 \[\d+\] \| 1\.60×, 0\.63× \| 1\.50 \| 4\.50 \/ 222 \[\d+\] \| 1\.50×, 0\.67× \|$/m,
    );
    assert.match(report, /^- rec c=1: the relay floor \*\*not measured\*\*: the floor did not start$/m);
  });

  test('the report opens with the goals, says who keeps mutual TLS, and names the previous run', () => {
    const now = run('20260102T000000-quick', 2, 500, [1, 0.5]);
    const first = renderReport(now, undefined);
    assert.match(
      first,
      /## Headline\n\n\*\*shardmesh keeps mutual TLS on both hops \(perf_analyzer → router → shard\) while the peers serve plaintext\.\*\*/,
    );
    assert.match(first, /No previous run of the same mode/);
    assert.match(first, /\| cls \| 1 \| 3\.00 \/ 333 \| – \|/);
    const second = renderReport(now, undefined, run('20260101T000000-quick', 4, 1_000, [2, 1]));
    assert.match(
      second,
      /this run ÷ run 20260101T000000-quick \(quick, the newest of the same mode before it\)/,
    );
    // The per-model table: shardmesh's p50 and inf/s against the previous run's.
    assert.match(second, /\| cls \| 1 \| 3\.00 \/ 333 \| 0\.50×, 2\.00× \|/);
    assert.match(second, /## 5\. CPU and GC per request/);
    assert.match(
      second,
      /\| cls, shardmesh, c=1 \| 100 \| 1\.50 \| 0\.10 \| router 1\.00 \(GC 0\.10: 3 GCs, 1 major\); shard-0 0\.50 \(GC 0\.00: 1 GCs, 0 major\) \|/,
    );
  });
});
