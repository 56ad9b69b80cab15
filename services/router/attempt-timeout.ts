import type { LatencyWindow } from './latency-window.js';

export interface AttemptTimeoutOptions {
  /** Which quantile of the partition's recent latencies the timeout starts from (0.99: p99). */
  readonly quantile: number;
  /** Multiplier on that quantile. */
  readonly factor: number;
  /** Least timeout, whatever the window says. */
  readonly floorMs: number;
  /** Greatest timeout; also the timeout while the window holds fewer than `minSamples`. */
  readonly ceilingMs: number;
  /** Samples the window needs before its quantile is trusted. */
  readonly minSamples: number;
}

/**
 * How long one attempt of a partition may take before the router cancels it and tries another
 * replica: `clamp(quantile(window) × factor, floorMs, ceilingMs)`, doubled for each attempt
 * already made (an attempt that timed out on one replica may have been a slow request, not a slow
 * replica, so the next gets longer), and never past the ceiling. Returns undefined when the
 * request's own deadline comes first: then the deadline ends the attempt, with DEADLINE_EXCEEDED,
 * and no retry is owed.
 */
export function attemptTimeoutMs(
  options: AttemptTimeoutOptions,
  window: LatencyWindow,
  attempt: number,
  remainingMs: number,
): number | undefined {
  const { quantile, factor, floorMs, ceilingMs, minSamples } = options;
  const q = window.size >= minSamples ? window.quantile(quantile) : undefined;
  const base = q === undefined ? ceilingMs : Math.min(ceilingMs, Math.max(floorMs, q * factor));
  const timeoutMs = Math.min(ceilingMs, base * 2 ** (attempt - 1));
  return timeoutMs < remainingMs ? timeoutMs : undefined;
}
