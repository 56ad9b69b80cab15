import type { Clock } from './clock.js';

export interface OutlierDetectorOptions {
  /** Retryable failures or attempt timeouts in a row that eject a replica; 0 turns ejection off. */
  readonly consecutiveFailures: number;
  /** First ejection's length; the n-th ejection in a row lasts n times as long. */
  readonly baseEjectionMs: number;
  /** Longest ejection. */
  readonly maxEjectionMs: number;
}

interface ReplicaRecord {
  failures: number;
  ejections: number;
  ejectedUntil: number;
}

const MAX_REPLICAS = 4096;

/**
 * Envoy's consecutive-failure outlier detection, kept by the router per replica id: a replica
 * whose last `consecutiveFailures` attempts all failed (a retryable code, or no answer within the
 * attempt timeout) is ejected for `baseEjectionMs × n` (n: its ejections so far, reset after
 * `maxEjectionMs` without one), capped at `maxEjectionMs`, so the picker stops sending to it before
 * Consul's health check notices. Ejection never takes a partition's last admitted replica: `eject`
 * is told the replica's siblings. A readmitted replica keeps its failure count, so one more failure
 * ejects it again, for longer; one success clears the count.
 */
export class OutlierDetector {
  readonly #replicas = new Map<string, ReplicaRecord>();

  constructor(
    readonly options: OutlierDetectorOptions,
    private readonly clock: Pick<Clock, 'now'>,
  ) {}

  isEjected(id: string): boolean {
    const r = this.#replicas.get(id);
    return r !== undefined && r.ejectedUntil > this.clock.now();
  }

  onSuccess(id: string): void {
    const r = this.#replicas.get(id);
    if (!r) return;
    r.failures = 0;
    if (r.ejections === 0) this.#replicas.delete(id);
  }

  /**
   * Counts a failure of `id`, one of a partition's `siblingIds` (its own id among them). Returns
   * the ejection's length in ms when this failure ejected it, else undefined.
   */
  onFailure(id: string, siblingIds: readonly string[]): number | undefined {
    const { consecutiveFailures, baseEjectionMs, maxEjectionMs } = this.options;
    if (consecutiveFailures === 0) return undefined;
    const now = this.clock.now();
    let r = this.#replicas.get(id);
    if (!r) {
      if (this.#replicas.size >= MAX_REPLICAS) this.#forgetAdmitted();
      r = { failures: 0, ejections: 0, ejectedUntil: 0 };
      this.#replicas.set(id, r);
    }
    r.failures++;
    if (r.failures < consecutiveFailures || r.ejectedUntil > now) return undefined;
    const othersAdmitted = siblingIds.some((s) => s !== id && !this.isEjected(s));
    if (!othersAdmitted) return undefined;
    if (r.ejections > 0 && now - r.ejectedUntil > maxEjectionMs) r.ejections = 0;
    r.ejections++;
    const ms = Math.min(maxEjectionMs, baseEjectionMs * r.ejections);
    r.ejectedUntil = now + ms;
    return ms;
  }

  /** Replicas that left the table leave records behind: drop those not ejected now. */
  #forgetAdmitted(): void {
    for (const [id, r] of this.#replicas) if (r.ejectedUntil <= this.clock.now()) this.#replicas.delete(id);
  }
}
