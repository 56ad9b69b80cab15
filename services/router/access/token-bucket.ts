/**
 * A token bucket: `ratePerSecond` tokens flow in up to `capacity`. Pure over the times it is
 * given, so tests drive it with a manual clock.
 */
export class TokenBucket {
  #tokens: number;
  #atMs: number;

  constructor(
    readonly ratePerSecond: number,
    readonly capacity: number,
    nowMs: number,
  ) {
    this.#tokens = capacity;
    this.#atMs = nowMs;
  }

  /**
   * Milliseconds until `amount` can be taken (0: now). A take larger than the bucket needs only a
   * full bucket and leaves it in debt, so a big request is slowed, not refused forever.
   */
  waitMs(amount: number, nowMs: number): number {
    this.#refill(nowMs);
    const missing = Math.min(amount, this.capacity) - this.#tokens;
    // The epsilon absorbs float error in the refill, which would otherwise round 1 ms up to 2.
    return missing <= 0 ? 0 : Math.ceil((missing * 1000) / this.ratePerSecond - 1e-9);
  }

  /** Takes `amount`; call only after `waitMs` said 0. */
  take(amount: number, nowMs: number): void {
    this.#refill(nowMs);
    this.#tokens -= amount;
  }

  /** True when the bucket has refilled: it is then the same as a new one, and can be dropped. */
  isFull(nowMs: number): boolean {
    this.#refill(nowMs);
    return this.#tokens >= this.capacity;
  }

  #refill(nowMs: number): void {
    const elapsedMs = Math.max(0, nowMs - this.#atMs);
    this.#tokens = Math.min(this.capacity, this.#tokens + (elapsedMs * this.ratePerSecond) / 1000);
    this.#atMs = nowMs;
  }
}
