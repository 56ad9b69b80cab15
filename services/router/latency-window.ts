/**
 * The latencies of one partition's last `capacity` successful attempts, in a ring: the sample
 * behind its per-attempt timeout. A count window, not a time window, so a partition called rarely
 * keeps a usable estimate and a busy one adapts within `capacity` calls. Failed and timed-out
 * attempts are not recorded: a hung replica must not teach the router that hanging is normal.
 */
export class LatencyWindow {
  readonly #samples: number[] = [];
  #next = 0;
  /** The samples sorted, as of `#recordsSinceSort` records ago; re-sorted lazily. */
  #sorted: number[] = [];
  #recordsSinceSort = 0;

  constructor(readonly capacity: number) {
    if (!(Number.isInteger(capacity) && capacity >= 1))
      throw new TypeError(`capacity ${capacity}: must be an integer of at least 1`);
  }

  get size(): number {
    return this.#samples.length;
  }

  record(latencyMs: number): void {
    if (this.#samples.length < this.capacity) this.#samples.push(latencyMs);
    else this.#samples[this.#next] = latencyMs;
    this.#next = (this.#next + 1) % this.capacity;
    this.#recordsSinceSort++;
  }

  /**
   * The `q` quantile (0 < q ≤ 1) by the nearest-rank method: a latency some sample actually had,
   * so a p99 over 100 samples is the slowest but one. Undefined while empty.
   *
   * Every attempt asks, and sorting the window each time showed in the router's profile (1.3 % of
   * its CPU), so the sorted copy is kept and renewed only once a sixteenth of the window (at least
   * one sample) has changed since: the quantile then lags the newest few samples, which a timeout
   * of several times p99 does not notice.
   */
  quantile(q: number): number | undefined {
    if (this.#samples.length === 0) return undefined;
    if (this.#recordsSinceSort >= Math.max(1, this.#samples.length >> 4) || this.#sorted.length === 0) {
      this.#sorted = [...this.#samples].sort((a, b) => a - b);
      this.#recordsSinceSort = 0;
    }
    const sorted = this.#sorted;
    const rank = Math.max(1, Math.ceil(q * sorted.length));
    return sorted[rank - 1];
  }
}

const MAX_PARTITIONS = 4096;

/** One `LatencyWindow` per partition key (model, version, stage, partition), for one router. */
export class PartitionLatencies {
  readonly #windows = new Map<string, LatencyWindow>();

  constructor(readonly capacity: number) {}

  window(key: string): LatencyWindow {
    let window = this.#windows.get(key);
    if (!window) {
      // Keys of unloaded models are forgotten wholesale; their partitions start cold again.
      if (this.#windows.size >= MAX_PARTITIONS) this.#windows.clear();
      window = new LatencyWindow(this.capacity);
      this.#windows.set(key, window);
    }
    return window;
  }
}
