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
 */
export class RetryBudget {
  #tokens: number;

  constructor(
    readonly maxTokens: number,
    readonly tokensPerSuccess: number,
  ) {
    this.#tokens = maxTokens;
  }

  /** A retryable failure; call once per failed attempt, whether or not it is retried. */
  onFailure(): void {
    this.#tokens = Math.max(0, this.#tokens - 1);
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
