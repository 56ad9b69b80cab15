import { setTimeout as sleepMs } from 'node:timers/promises';
import { ShardmeshError, Status } from './shardmesh-error.js';

/**
 * When and how a call is tried again. Only two answers are retried: UNAVAILABLE (no replica yet,
 * a connection that failed or was reset) and RESOURCE_EXHAUSTED when the server named a wait in
 * `grpc-retry-pushback-ms`. Every other status is final. Inference has no side effects, so a
 * request the server may already have run is safe to send again.
 */
export interface RetryOptions {
  /** Attempts in all, the first included; 1 turns retries off. @default 5 */
  readonly attempts?: number;
  /** The ceiling of the first backoff. @default 100 */
  readonly initialBackoffMs?: number;
  /** No backoff is longer than this. @default 5000 */
  readonly maxBackoffMs?: number;
  /** Each backoff's ceiling is the previous one's times this. @default 2 */
  readonly backoffMultiplier?: number;
}

export function withRetryDefaults(options: RetryOptions = {}): Required<RetryOptions> {
  const o = { attempts: 5, initialBackoffMs: 100, maxBackoffMs: 5_000, backoffMultiplier: 2, ...options };
  if (!(Number.isInteger(o.attempts) && o.attempts >= 1))
    throw new TypeError(`retry.attempts ${o.attempts}: must be a whole number, 1 or more`);
  if (!(o.initialBackoffMs >= 0))
    throw new TypeError(`retry.initialBackoffMs ${o.initialBackoffMs}: must be 0 or more milliseconds`);
  if (!(o.maxBackoffMs >= o.initialBackoffMs))
    throw new TypeError(
      `retry.maxBackoffMs ${o.maxBackoffMs}: must be at least retry.initialBackoffMs (${o.initialBackoffMs})`,
    );
  if (!(o.backoffMultiplier >= 1))
    throw new TypeError(`retry.backoffMultiplier ${o.backoffMultiplier}: must be 1 or more`);
  return o;
}

/**
 * How long to wait before attempt `attempt + 1` after `error`, or undefined when it must not be
 * retried. Backoff is gRPC's "full jitter": uniform in [0, ceiling), the ceiling growing by the
 * multiplier from initialBackoffMs up to maxBackoffMs. A server's pushback replaces the backoff;
 * a negative pushback means "do not retry".
 */
export function retryDelayMs(
  error: ShardmeshError,
  attempt: number,
  policy: Required<RetryOptions>,
  random: () => number = Math.random,
): number | undefined {
  if (attempt >= policy.attempts) return undefined;
  const pushback = error.retryPushbackMs;
  if (pushback !== undefined && pushback < 0) return undefined;
  if (error.code === Status.RESOURCE_EXHAUSTED) return pushback;
  if (error.code !== Status.UNAVAILABLE) return undefined;
  if (pushback !== undefined) return pushback;
  const ceiling = Math.min(
    policy.initialBackoffMs * policy.backoffMultiplier ** (attempt - 1),
    policy.maxBackoffMs,
  );
  return random() * ceiling;
}

/** Time as the retry loop sees it; tests pass one that does not wait. */
export interface RetryClock {
  now(): number;
  /** Resolves after `ms`, or rejects as soon as `signal` aborts. */
  sleep(ms: number, signal: AbortSignal | undefined): Promise<void>;
}

export const systemClock: RetryClock = {
  now: () => Date.now(),
  sleep: (ms, signal) => sleepMs(ms, undefined, signal ? { signal } : {}),
};

/** What `onRetry` hears before each wait. */
export interface RetryEvent {
  /** The attempt that failed, 1 for the first. */
  readonly attempt: number;
  readonly error: ShardmeshError;
  readonly delayMs: number;
}

export interface RetryContext {
  readonly policy: Required<RetryOptions>;
  readonly signal?: AbortSignal | undefined;
  /** Epoch milliseconds after which no attempt starts. */
  readonly deadlineMs?: number | undefined;
  readonly clock?: RetryClock;
  readonly random?: () => number;
  readonly onRetry?: ((event: RetryEvent) => void) | undefined;
}

export const cancelledError = (signal: AbortSignal): ShardmeshError =>
  new ShardmeshError(Status.CANCELLED, 'the call was aborted by its AbortSignal', { cause: signal.reason });

/**
 * Runs `attempt` until it resolves or fails for good, and rejects with the last attempt's error.
 * A retry is never started after `signal` aborts (CANCELLED), nor when its wait would end past
 * the deadline (the last error is final then).
 */
export async function retrying<T>(attempt: (n: number) => Promise<T>, context: RetryContext): Promise<T> {
  const clock = context.clock ?? systemClock;
  for (let n = 1; ; n++) {
    if (context.signal?.aborted) throw cancelledError(context.signal);
    let error: ShardmeshError;
    try {
      return await attempt(n);
    } catch (caught) {
      if (!(caught instanceof ShardmeshError)) throw caught;
      error = caught;
    }
    if (context.signal?.aborted) throw cancelledError(context.signal);
    const delayMs = retryDelayMs(error, n, context.policy, context.random);
    if (delayMs === undefined) throw error;
    if (context.deadlineMs !== undefined && clock.now() + delayMs >= context.deadlineMs) throw error;
    context.onRetry?.({ attempt: n, error, delayMs });
    try {
      await clock.sleep(delayMs, context.signal);
    } catch (sleepError) {
      if (context.signal?.aborted) throw cancelledError(context.signal);
      throw sleepError;
    }
  }
}
