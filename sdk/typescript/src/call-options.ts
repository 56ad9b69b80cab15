import { Metadata } from '@grpc/grpc-js';
import type { RetryEvent } from './retry-policy.js';
import { ShardmeshError, Status } from './shardmesh-error.js';
import type { TokenSource } from './client-options.js';

/** Per-call options, taken by every method of the client. */
export interface CallOptions {
  /**
   * Aborting it cancels the call in flight, or the wait before a retry, and the call rejects
   * with CANCELLED; no retry starts after it.
   */
  readonly signal?: AbortSignal;
  /** How long the call may take, retries included. @default the client's defaultTimeoutMs */
  readonly timeoutMs?: number;
  /** When the call must be done, retries included; give this or `timeoutMs`, not both. */
  readonly deadline?: Date;
  /** Extra request headers. @default {} */
  readonly metadata?: Readonly<Record<string, string>>;
  /** Hears each failed attempt that will be retried, before the wait. */
  readonly onRetry?: (event: RetryEvent) => void;
}

/**
 * The call's deadline in epoch milliseconds: `deadline`, now + `timeoutMs`, now + the default,
 * or undefined when `defaultTimeoutMs` is undefined and the call names none (streams).
 */
export function deadlineOf(options: CallOptions, defaultTimeoutMs: number | undefined): number | undefined {
  if (options.deadline !== undefined && options.timeoutMs !== undefined)
    throw new TypeError('deadline and timeoutMs: give one of them, not both');
  if (options.deadline !== undefined) {
    const ms = options.deadline.getTime();
    if (Number.isNaN(ms)) throw new TypeError('deadline: an invalid Date');
    return ms;
  }
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
  if (timeoutMs === undefined) return undefined;
  if (!(timeoutMs > 0)) throw new TypeError(`timeoutMs ${timeoutMs}: must be more than 0`);
  return Date.now() + timeoutMs;
}

/**
 * The request metadata of one attempt: the caller's headers and the bearer token, asked of the
 * token source afresh so that a refreshing source is honoured on retries. A source that fails
 * rejects the call with UNAUTHENTICATED, keeping its error as `cause`.
 */
export async function callMetadata(options: CallOptions, token: TokenSource | undefined): Promise<Metadata> {
  const metadata = new Metadata();
  for (const [key, value] of Object.entries(options.metadata ?? {})) metadata.set(key, value);
  if (token === undefined) return metadata;
  let value: string;
  try {
    value = typeof token === 'string' ? token : await token();
  } catch (error) {
    throw new ShardmeshError(Status.UNAUTHENTICATED, `the token source failed: ${(error as Error).message}`, {
      cause: error,
    });
  }
  metadata.set('authorization', `Bearer ${value}`);
  return metadata;
}
