import type { StagePlan } from '../../lib/plan/schema.js';
import type { LatencyWindow } from './latency-window.js';

export interface HedgeOptions {
  /** Quantile of the partition's recent latencies after which a second attempt is sent (0.95: p95). */
  readonly quantile: number;
  /** Samples the window needs before hedging starts (the attempt timeout's `minSamples`). */
  readonly minSamples: number;
}

/**
 * Whether a stage's partitions may be hedged: not when an output is gathered by `sum` or `mean`.
 * The hedge's bytes are buffered and merged only if it wins, so even those would stay correct, but
 * a summed partition's output is the whole tensor (tensor parallelism): buffering a second copy
 * of it doubles the memory of the largest outputs, for the partitions least likely to be slow
 * alone. The rule, kept: never hedge a sum.
 */
export function stageMayHedge(stage: StagePlan): boolean {
  return stage.outputs.every((o) => o.gather.kind !== 'sum' && o.gather.kind !== 'mean');
}

/**
 * How long after an attempt starts a hedged second attempt goes out: the window's `quantile`.
 * Undefined (no hedge) when hedging is off, the stage may not be hedged, the window is not warm
 * yet, or the request's deadline comes first. Whether another replica is idle is the caller's
 * check, when the delay has passed.
 */
export function hedgeDelayMs(
  options: HedgeOptions | undefined,
  stage: StagePlan,
  window: LatencyWindow,
  remainingMs: number,
): number | undefined {
  if (!options || !stageMayHedge(stage) || window.size < options.minSamples) return undefined;
  const delayMs = window.quantile(options.quantile)!;
  return delayMs < remainingMs ? delayMs : undefined;
}
