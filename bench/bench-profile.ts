import type { MlpOptions } from '../partition/models/synthetic.js';
import type { MeasurementSettings, WarmUp } from './perf-analyzer.js';

/** Everything that makes a run quick or full, in one place. */
export interface BenchProfile {
  readonly quick: boolean;
  /** perf_analyzer's `--concurrency-range` levels of the overhead suite. */
  readonly concurrencies: readonly number[];
  /**
   * The load every server of the overhead and fan-out suites gets right after it starts, before
   * its first measured run (perf-analyzer.ts `warmUp`).
   */
  readonly warmUp: WarmUp;
  /** perf_analyzer settings for small, fast requests (overhead, fan-out). */
  readonly latency: MeasurementSettings;
  /** perf_analyzer settings for requests of 0.1–5 s (large tensors, the big model). */
  readonly transfer: MeasurementSettings;
  /** How long the in-process ONNX Runtime floor runs at each concurrency. */
  readonly floorDurationMs: number;
  readonly floorWarmupRuns: number;
  /** Transfers the TLS socket floor times per size. */
  readonly tlsRepeats: number;
  /** Output sizes of the large-tensor suite, as [rows, cols] of FP32. */
  readonly largeOutputs: readonly (readonly [number, number])[];
  /** The model too big for one shard (≥ 1 GiB of weights in a full run). */
  readonly bigModel: MlpOptions;
  readonly bigModelPartitions: readonly number[];
  /** The fan-out suite's MLP and its partition counts. */
  readonly fanOutModel: MlpOptions;
  readonly fanOutPartitions: readonly number[];
  /**
   * Rounds in which shardmesh and KServe take turns at the goals' load points (bench/interleaved.ts);
   * even, so each goes first equally often.
   */
  readonly interleavedRounds: number;
  /**
   * perf_analyzer settings of each interleaved window: a count of requests rather than a time, so
   * the slow points (rec at c=16: ~20 inferences/s) get enough requests per window and the fast
   * ones do not take longer than they need.
   */
  readonly interleaved: MeasurementSettings;
  /** Concurrency of the dynamic-batching suite: enough requests in flight to form batches. */
  readonly batchingConcurrency: number;
}

const common = {
  concurrencies: [1, 4, 16],
  // 64 MiB and 256 MiB of FP32.
  largeOutputs: [
    [4096, 4096],
    [8192, 8192],
  ],
  bigModelPartitions: [1, 2, 4],
  fanOutModel: { inputDim: 512, hiddenDim: 4096, outputDim: 512, seed: 23 },
  fanOutPartitions: [1, 2, 4, 8],
  batchingConcurrency: 16,
} as const;

/** perf_analyzer's defaults (5 s windows, 10 % stability, 10 trials), and 1 GiB of weights. */
export const FULL_PROFILE: BenchProfile = {
  ...common,
  quick: false,
  latency: { windowMs: 5_000, stabilityPercent: 10, maxTrials: 10 },
  transfer: { requestsPerWindow: 10, stabilityPercent: 10, maxTrials: 10 },
  floorDurationMs: 10_000,
  floorWarmupRuns: 20,
  warmUp: { seconds: 30, concurrency: 16 },
  interleavedRounds: 6,
  interleaved: { requestsPerWindow: 100, stabilityPercent: 10, maxTrials: 10 },
  tlsRepeats: 20,
  // W1 4096×32768 and W2 32768×4096 FP32: 1 GiB (plus 144 KiB of biases).
  bigModel: { inputDim: 4096, hiddenDim: 32768, outputDim: 4096, seed: 17 },
};

/** Short windows, loose stability, and a 256 MiB stand-in for the ≥ 1 GiB model (labelled so). */
export const QUICK_PROFILE: BenchProfile = {
  ...common,
  quick: true,
  latency: { windowMs: 1_000, stabilityPercent: 25, maxTrials: 4 },
  transfer: { requestsPerWindow: 2, stabilityPercent: 50, maxTrials: 3 },
  floorDurationMs: 2_000,
  floorWarmupRuns: 10,
  warmUp: { seconds: 12, concurrency: 16 },
  interleavedRounds: 4,
  interleaved: { requestsPerWindow: 48, stabilityPercent: 25, maxTrials: 4 },
  tlsRepeats: 5,
  // W1 2048×16384 and W2 16384×2048 FP32: 256 MiB.
  bigModel: { inputDim: 2048, hiddenDim: 16384, outputDim: 2048, seed: 17 },
};
