/**
 * The router's retry throttle, as gRPC's retry design (A6) and grpc-js's `RetryThrottler` keep
 * one: a bucket of `maxTokens` tokens, shared by every request through one router. A failed attempt
 * with a retryable code takes one token, a successful partition call puts back `tokensPerSuccess`,
 * and retries are allowed only while more than half the bucket is left. When most of the mesh
 * fails, the bucket drains in `maxTokens / 2` failures and requests fail after their first attempt
 * instead of multiplying the load on the replicas still standing; it refills as calls succeed.
 *
 * With `tokensPerSuccess` 1, steady state allows at most one failed attempt per successful call,
 * so one dead replica out of two (every other first attempt fails, its retry succeeds) never
 * throttles, while a mesh where failures outnumber successes soon does.
 *
 * One replica's burst is one failure. When a replica's host vanishes (a cut link, a killed
 * process), every call open on it fails within one attempt timeout; charged one token each, those
 * calls alone drained the bucket (8 calls in flight, half of them on the lost host) and the last
 * few requests failed although every partition had a healthy replica left (the multi-host test's
 * link cut). So a failure that says the replica is unreachable (`burst: true`: UNAVAILABLE, an
 * attempt timeout) takes a token only if the same replica has not taken one in the last
 * `burstWindowMs`: the bucket then counts failing replicas, which is what tells a lost replica
 * (the outlier detector ejects it) from a failing mesh (many replicas, and the bucket drains).
 * Overload (RESOURCE_EXHAUSTED) is charged every time: retrying it is what the bucket limits.
 */
export class RetryBudget {
  #tokens: number;
  /** Replica id -> when it last took a token for an unreachable-replica failure. */
  readonly #lastCharged = new Map<string, number>();

  constructor(
    readonly maxTokens: number,
    readonly tokensPerSuccess: number,
    readonly burstWindowMs = 1_000,
  ) {
    this.#tokens = maxTokens;
  }

  /**
   * A retryable failure; call once per failed attempt, whether or not it is retried. `burst`
   * names the replica of an unreachable-replica failure (see above), at `nowMs`.
   */
  onFailure(burst?: { replica: string; nowMs: number }): void {
    if (burst) {
      const last = this.#lastCharged.get(burst.replica);
      if (last !== undefined && burst.nowMs - last < this.burstWindowMs) return;
      this.#forgetOld(burst.nowMs);
      this.#lastCharged.set(burst.replica, burst.nowMs);
    }
    this.#tokens = Math.max(0, this.#tokens - 1);
  }

  #forgetOld(nowMs: number): void {
    for (const [replica, at] of this.#lastCharged)
      if (nowMs - at >= this.burstWindowMs) this.#lastCharged.delete(replica);
  }

  /** A partition call that succeeded, on any attempt. */
  onSuccess(): void {
    this.#tokens = Math.min(this.maxTokens, this.#tokens + this.tokensPerSuccess);
  }

  /** Whether a retry may be sent now. */
  get canRetry(): boolean {
    return this.#tokens > this.maxTokens / 2;
  }

  get tokens(): number {
    return this.#tokens;
  }
}
