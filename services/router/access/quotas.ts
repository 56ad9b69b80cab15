import { Metadata, status as Status } from '@grpc/grpc-js';
import { ServiceError } from '../../../lib/grpc/service-error.js';
import type { Logger } from '../../../lib/log.js';
import { systemClock, type Clock } from '../clock.js';
import type { PolicySource } from './policy-file.js';
import { quotaFor, type Policy, type Quota } from './policy.js';
import type { Principal, QuotaKeeper } from './principal.js';
import { TokenBucket } from './token-bucket.js';

/**
 * The pushback for a caller at its concurrency limit: the keeper cannot know when one of the
 * caller's calls will end, so it suggests a short wait.
 */
export const CONCURRENCY_PUSHBACK_MS = 100;

/** Callers remembered before idle ones (nothing in flight, buckets full) are forgotten. */
export const SWEEP_AT_CALLERS = 10_000;

interface CallerState {
  /** The quota these buckets were made for: after a reload, a caller starts with fresh (full) buckets. */
  readonly quota: Quota;
  readonly requests: TokenBucket | undefined;
  readonly bytes: TokenBucket | undefined;
  inFlight: number;
}

/**
 * The QuotaKeeper over a policy's `quotas`: per principal (kind and id), a requests-per-second
 * bucket, a request-bytes-per-second bucket and a count of calls in flight. A refused call spends
 * nothing. Over quota: RESOURCE_EXHAUSTED saying it is the caller's own quota, which one, and when
 * to retry, with `grpc-retry-pushback-ms` in the trailers (gRPC's retry policy honours it).
 */
export class PolicyQuotas implements QuotaKeeper {
  readonly #callers = new Map<string, CallerState>();

  constructor(
    readonly source: PolicySource | Policy,
    readonly log: Logger,
    readonly clock: Pick<Clock, 'now'> = systemClock,
  ) {}

  admit(principal: Principal, requestBytes: number): () => void {
    const policy = 'current' in this.source ? this.source.current : this.source;
    const entry = quotaFor(policy, principal);
    if (entry === undefined) return () => {};
    const key = `${principal.kind}:${principal.id}`;
    const now = this.clock.now();
    const state = this.#stateFor(key, entry.quota, now);
    const q = entry.quota;

    if (q.concurrentRequests !== undefined && state.inFlight >= q.concurrentRequests)
      this.#refuse(
        principal,
        `${q.concurrentRequests} concurrent requests`,
        CONCURRENCY_PUSHBACK_MS,
        'when one of your calls ends',
      );
    const requestWaitMs = state.requests?.waitMs(1, now) ?? 0;
    if (requestWaitMs > 0)
      this.#refuse(principal, `${q.requestsPerSecond} requests per second`, requestWaitMs);
    const bytesWaitMs = state.bytes?.waitMs(requestBytes, now) ?? 0;
    if (bytesWaitMs > 0) this.#refuse(principal, `${q.bytesPerSecond} request bytes per second`, bytesWaitMs);

    state.requests?.take(1, now);
    state.bytes?.take(requestBytes, now);
    state.inFlight++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      state.inFlight--;
    };
  }

  #stateFor(key: string, quota: Quota, now: number): CallerState {
    const known = this.#callers.get(key);
    if (known?.quota === quota) return known;
    if (this.#callers.size >= SWEEP_AT_CALLERS) this.#forgetIdle(now);
    const state: CallerState = {
      quota,
      requests:
        quota.requestsPerSecond === undefined
          ? undefined
          : new TokenBucket(
              quota.requestsPerSecond,
              quota.requestsBurst ?? Math.ceil(quota.requestsPerSecond),
              now,
            ),
      bytes:
        quota.bytesPerSecond === undefined
          ? undefined
          : new TokenBucket(quota.bytesPerSecond, quota.bytesBurst ?? Math.ceil(quota.bytesPerSecond), now),
      // Calls admitted under the old quota still end through their own release functions.
      inFlight: 0,
    };
    this.#callers.set(key, state);
    return state;
  }

  /** An idle caller's state equals a fresh one, so forgetting it changes no decision; it bounds memory. */
  #forgetIdle(now: number): void {
    for (const [key, state] of this.#callers) {
      if (state.inFlight === 0 && (state.requests?.isFull(now) ?? true) && (state.bytes?.isFull(now) ?? true))
        this.#callers.delete(key);
    }
  }

  /** Callers whose buckets or calls in flight are remembered (for tests). */
  get callers(): number {
    return this.#callers.size;
  }

  #refuse(principal: Principal, limit: string, retryMs: number, retryWhen = `in ${retryMs} ms`): never {
    // debug, not info: a caller hammering past its quota must not flood the log.
    this.log.debug({ principal: principal.id, limit, retryMs }, 'over quota');
    const metadata = new Metadata();
    metadata.set('grpc-retry-pushback-ms', String(retryMs));
    throw new ServiceError(
      Status.RESOURCE_EXHAUSTED,
      `your quota of ${limit} is used up (a limit on this caller, not a server overload); retry ${retryWhen}`,
      { metadata },
    );
  }
}
