/** One replica's last-minute activity, as `GET /status` reports it. */
export interface ReplicaActivity {
  /** Attempts that ended in the window, per second. */
  readonly requestsPerSecond: number;
  /** Nearest-rank quantiles of successful attempts' latency in the window; null when none. */
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  readonly failures: number;
}

const CAPACITY = 2048;

/**
 * The attempts one replica finished in the last `windowMs`, for `shardmesh status`: a ring of
 * (end time, latency) pairs, read only when someone asks. A time window, unlike the per-partition
 * `LatencyWindow` (a count window behind attempt timeouts), because an operator asks "how is it
 * now". A replica busier than CAPACITY attempts a window reports from the newest CAPACITY, and its
 * rate from their time span.
 */
export class ReplicaWindow {
  readonly #endsMs = new Float64Array(CAPACITY);
  /** Latency in ms; negative for a failed attempt. */
  readonly #latencyMs = new Float64Array(CAPACITY);
  #next = 0;
  #size = 0;

  constructor(readonly windowMs = 60_000) {}

  record(nowMs: number, latencyMs: number, ok: boolean): void {
    this.#endsMs[this.#next] = nowMs;
    this.#latencyMs[this.#next] = ok ? latencyMs : -1;
    this.#next = (this.#next + 1) % CAPACITY;
    if (this.#size < CAPACITY) this.#size++;
  }

  activity(nowMs: number): ReplicaActivity {
    const since = nowMs - this.windowMs;
    const latencies: number[] = [];
    let failures = 0;
    let oldest = nowMs;
    for (let i = 0; i < this.#size; i++) {
      const end = this.#endsMs[i]!;
      if (end < since) continue;
      oldest = Math.min(oldest, end);
      const latency = this.#latencyMs[i]!;
      if (latency < 0) failures++;
      else latencies.push(latency);
    }
    const count = latencies.length + failures;
    // A full ring covers less than the window: its own span is the honest denominator.
    const spanMs =
      this.#size === CAPACITY && count === CAPACITY ? Math.max(1, nowMs - oldest) : this.windowMs;
    latencies.sort((a, b) => a - b);
    const rank = (q: number): number | null =>
      latencies.length === 0 ? null : latencies[Math.max(1, Math.ceil(q * latencies.length)) - 1]!;
    return { requestsPerSecond: (count * 1000) / spanMs, p50Ms: rank(0.5), p99Ms: rank(0.99), failures };
  }
}
