/** Percentiles of latency samples, in microseconds, as perf_analyzer reports them. */
export interface LatencySummary {
  readonly count: number;
  readonly p50Us: number;
  readonly p90Us: number;
  readonly p99Us: number;
}

/** The nearest-rank percentile `p` (0–100) of ascending `sorted`. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new RangeError('no samples');
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function summarize(samplesUs: readonly number[]): LatencySummary {
  const sorted = [...samplesUs].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50Us: Math.round(percentile(sorted, 50)),
    p90Us: Math.round(percentile(sorted, 90)),
    p99Us: Math.round(percentile(sorted, 99)),
  };
}

/** Microseconds since `start` (from process.hrtime.bigint()). */
export function elapsedUs(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1_000;
}
