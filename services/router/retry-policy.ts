import { status as Status } from '@grpc/grpc-js';
import { RetryBudget } from './retry-budget.js';
import type { ResolvedRouterOptions } from './router-options.js';

/**
 * Codes a shard call ends with that mean "this replica could not do it now", so the same
 * partition may succeed on another replica (inference has no side effects, so a retry is safe):
 *
 * - UNAVAILABLE: the shard is draining, its process died, or the connection dropped, before or in
 *   the middle of the response stream;
 * - RESOURCE_EXHAUSTED: that shard's in-flight byte budget is full; another replica has its own
 *   budget (`shard.proto`, `--max-inflight-bytes`). grpc-js also reports an over-long
 *   message with it, which only a broken replica sends;
 * - FAILED_PRECONDITION: that shard is still loading the partition (reserved in `shard.proto`).
 *
 * Every other code is an answer about the request, the same on any replica, and is never retried:
 * INVALID_ARGUMENT (the inputs), NOT_FOUND (the shard does not serve what its own registration
 * claims: router and shard disagree on the partition key, which no retry mends), DEADLINE_EXCEEDED
 * and CANCELLED (the request's own deadline and cancellation, which every attempt shares),
 * PERMISSION_DENIED / UNAUTHENTICATED (the shard does not trust this router's identity), UNKNOWN
 * (the shard's runner failed other than by ONNX Runtime refusing the inputs, which is
 * INVALID_ARGUMENT) and INTERNAL. INTERNAL is raised by the router's own
 * gather when a shard's outputs contradict the plan, or by grpc-js on a protocol error; every
 * replica runs the same partition file, so a second replica would answer the same and a retry only
 * doubles the cost of a deterministic failure.
 */
export const RETRYABLE_CODES: ReadonlySet<Status> = new Set([
  Status.UNAVAILABLE,
  Status.RESOURCE_EXHAUSTED,
  Status.FAILED_PRECONDITION,
]);

export interface RetryPolicyOptions {
  /** Attempts per partition call, the first included; 1 turns retries off. */
  readonly maxAttempts: number;
  /** Upper bound of the first retry's jittered delay. */
  readonly initialBackoffMs: number;
  /** Upper bound of any retry's delay. */
  readonly maxBackoffMs: number;
  /** Growth of the delay's upper bound per attempt. */
  readonly backoffMultiplier: number;
}

/** Why a failed attempt is the last one. */
export type GiveUpReason = 'not-retryable' | 'attempts' | 'budget' | 'deadline';

export type RetryDecision =
  | { readonly retry: true; readonly delayMs: number }
  | { readonly retry: false; readonly reason: GiveUpReason };

/**
 * Decides, after a failed attempt, whether to retry and after how long. Pure apart from the
 * shared budget and the injected `random`: the caller passes the time and the deadline, so tests
 * need no clock. Delays are "full jitter" (uniform in [0, bound)), gRPC's choice, so clients that
 * failed together do not retry together.
 */
export class RetryPolicy {
  constructor(
    readonly options: RetryPolicyOptions,
    readonly budget: RetryBudget,
    private readonly random: () => number = Math.random,
  ) {}

  /**
   * After attempt number `attempt` (1 for the first) on `replica` failed with `code`: a retryable
   * failure takes a budget token, even when no retry follows, so failures the budget refused still
   * count against it; an UNAVAILABLE one only if its replica has not taken one within the budget's
   * burst window (retry-budget.ts). A retry whose delay would end at or after `deadlineMs` is not
   * made.
   */
  afterFailure(
    attempt: number,
    code: Status,
    nowMs: number,
    deadlineMs: number,
    replica?: string,
  ): RetryDecision {
    if (!RETRYABLE_CODES.has(code)) return { retry: false, reason: 'not-retryable' };
    const unreachable = code === Status.UNAVAILABLE && replica !== undefined;
    this.budget.onFailure(unreachable ? { replica, nowMs } : undefined);
    if (attempt >= this.options.maxAttempts) return { retry: false, reason: 'attempts' };
    if (!this.budget.canRetry) return { retry: false, reason: 'budget' };
    const { initialBackoffMs, maxBackoffMs, backoffMultiplier } = this.options;
    const bound = Math.min(maxBackoffMs, initialBackoffMs * backoffMultiplier ** (attempt - 1));
    const delayMs = this.random() * bound;
    if (nowMs + delayMs >= deadlineMs) return { retry: false, reason: 'deadline' };
    return { retry: true, delayMs };
  }

  /** A partition call succeeded (on any attempt): refills the budget. */
  onSuccess(): void {
    this.budget.onSuccess();
  }
}

/** The policy and budget `withRouterDefaults` options describe; one per router. */
export function retryPolicyFromOptions(
  o: Pick<
    ResolvedRouterOptions,
    | 'retryMaxAttempts'
    | 'retryInitialBackoffMs'
    | 'retryMaxBackoffMs'
    | 'retryBackoffMultiplier'
    | 'retryBudgetTokens'
    | 'retryBudgetTokensPerSuccess'
  >,
  random?: () => number,
): RetryPolicy {
  return new RetryPolicy(
    {
      maxAttempts: o.retryMaxAttempts,
      initialBackoffMs: o.retryInitialBackoffMs,
      maxBackoffMs: o.retryMaxBackoffMs,
      backoffMultiplier: o.retryBackoffMultiplier,
    },
    new RetryBudget(o.retryBudgetTokens, o.retryBudgetTokensPerSuccess),
    random,
  );
}
