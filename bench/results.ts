import type { InterleavedRound, Spread } from './interleaved.js';
import type { LoadPoint } from './perf-analyzer.js';
import type { SessionFloorPoint } from './floors/ort-session-floor.js';
import type { TlsFloorPoint } from './floors/tls-socket-floor.js';
import type { ProfileRecord } from './cpu-profile.js';

/** bench/results/RUN_ID.json: everything a report or chart is made from. */
export interface BenchResults {
  readonly runId: string;
  readonly quick: boolean;
  /** `--profile`: routers and shards ran under `V8's CPU profiler (bench/process-probe.ts)` (slower; compared only with profile runs). */
  readonly profile?: boolean;
  /** The .cpuprofile of every router and shard, in profile runs. */
  profiles?: ProfileRecord[];
  /** Issue 8's headline figures as the report's goals table shows them (report/goals.ts), for readers of the JSON. */
  goals?: {
    key: string;
    label: string;
    value?: number;
    /** Figures read from interleaved rounds: their median (value), range, and the sequential pass's figure. */
    spread?: Spread;
    singlePass?: number;
    unit: string;
    goal?: string;
    met: string;
  }[];
  /** The run the report compares with (same mode, newest before this one), by runId. */
  previousRunId?: string;
  /** The command line of the run, e.g. `npm run bench -- --quick`. */
  readonly command: string;
  readonly startedAt: string;
  finishedAt?: string;
  readonly environment: Environment;
  /** Suites by name; a suite that threw has `error`. */
  readonly suites: {
    overhead?: OverheadResult | SuiteError;
    largeTensors?: LargeTensorsResult | SuiteError;
    bigModel?: BigModelResult | SuiteError;
    fanOut?: FanOutResult | SuiteError;
    dynamicBatching?: DynamicBatchingResult | SuiteError;
  };
  /** Seconds each suite took. */
  readonly timingsSec: Record<string, number>;
}

export interface SuiteError {
  readonly error: string;
}

export interface Environment {
  readonly node: string;
  readonly os: string;
  readonly cpu: string;
  readonly cores: number;
  readonly memoryBytes: number;
  readonly shardmesh: string;
  readonly onnxruntimeNode: string;
  readonly perfAnalyzer: string;
  /** Peer id → "1.7.1", or why it is not available. */
  readonly peers: Record<string, { version?: string; error?: string; configuration: string }>;
}

/** One server (or the floor) at each concurrency, or why it could not be measured. */
export interface TargetResult {
  readonly id: string;
  readonly label: string;
  /** Processes on the request path and how they were set up. */
  readonly setup: string;
  readonly points: (LoadPoint | SessionFloorPoint)[];
  /** Set when the target could not be measured (not installed, failed to start, perf_analyzer failed). */
  error?: string;
}

export interface OverheadResult {
  readonly models: {
    readonly name: string;
    readonly label: string;
    readonly inputShape: readonly number[];
    readonly targets: TargetResult[];
  }[];
  /** shardmesh (router + 1 shard) and KServe taking turns at the goals' load points (bench/interleaved.ts). */
  interleaved?: InterleavedResult | SuiteError;
}

/**
 * Rounds of one perf_analyzer run each for shardmesh and a peer, both running throughout, and for
 * the relay floor of each model (running throughout that model's rounds).
 */
export interface InterleavedResult {
  /** The peer's id in the targets, e.g. "kserve". */
  readonly peer: string;
  readonly rounds: number;
  readonly points: {
    readonly model: string;
    readonly concurrency: number;
    rounds: readonly InterleavedRound[];
    error?: string;
    /** Why the rounds ran without the relay floor, when they did. */
    floorError?: string;
  }[];
}

/** One round of the large-tensor suite: the mesh and its floors, one after another. */
export interface LargeTensorRound {
  router?: LoadPoint & { gbPerSec: number };
  floor?: TlsFloorPoint;
  /** The same bytes from one TLS sender per partition through a TLS relay process. */
  relayFloor?: TlsFloorPoint;
  /**
   * The same answer from one grpc-js sender per partition through a grpc-js relay set up as the
   * router (bench/floors/grpc-bulk-relay.ts), called by perf_analyzer as the router is.
   */
  grpcRelayFloor?: LoadPoint & { gbPerSec: number };
  /** Partition 0's ONNX Runtime run in the benchmark process, at concurrency 1. */
  partitionRun?: SessionFloorPoint;
}

export interface LargeTensorsResult {
  readonly partitions: number;
  /** Each size's figures are its median round's (by router ÷ floor); `rounds` has them all. */
  readonly sizes: (LargeTensorRound & {
    readonly bytes: number;
    readonly model: string;
    routerError?: string;
    partitionRunError?: string;
    /** Rounds taken in turns, each starting one measurement later than the one before. */
    rounds?: LargeTensorRound[];
  })[];
  floorError?: string;
  relayFloorError?: string;
  grpcRelayFloorError?: string;
}

export interface ProcessPeak {
  readonly name: string;
  readonly peakRssBytes: number;
}

export interface BigModelResult {
  readonly weightBytes: number;
  /** Set in quick runs, where the model is smaller than 1 GiB. */
  readonly standIn?: string;
  readonly shape: { inputDim: number; hiddenDim: number; outputDim: number };
  readonly variants: {
    readonly partitions: number;
    readonly model: string;
    processes?: ProcessPeak[];
    latency?: LoadPoint;
    error?: string;
  }[];
}

/** One round of the fan-out suite: each cut measured once, one after the other. */
export interface FanOutRound {
  readonly points: { readonly partitions: number; readonly latency: LoadPoint }[];
  /**
   * The relay floor of each cut in the same round (bench/floors/grpc-relay-server.ts in front of
   * one model process per partition): the least the design's fan-out can cost.
   */
  floorPoints?: { readonly partitions: number; readonly latency: LoadPoint }[];
}

export interface FanOutResult {
  readonly shape: { inputDim: number; hiddenDim: number; outputDim: number };
  /** Each cut's point from the round whose slope is the median (all of them in `rounds`). */
  readonly variants: {
    readonly partitions: number;
    readonly model: string;
    latency?: LoadPoint;
    error?: string;
  }[];
  /** The cuts taking turns, round by round (absent in runs from before rounds). */
  rounds?: FanOutRound[];
  /** Why the relay floors did not run, when they did not. */
  floorError?: string;
}

export interface DynamicBatchingResult {
  readonly concurrency: number;
  /** Windows each variant got, taking turns; the best one is kept. */
  readonly rounds: number;
  readonly maxBatchSize: number;
  readonly models: {
    readonly name: string;
    readonly label: string;
    /** The best of the rounds' windows, every request run alone. */
    alone?: LoadPoint;
    /** The same with the router's dynamic batching on. */
    batched?: LoadPoint;
    /** Requests per ONNX Runtime run of the batched variant (ModelStatistics). */
    meanBatch?: number;
    error?: string;
  }[];
}
