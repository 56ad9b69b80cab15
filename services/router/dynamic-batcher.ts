import { status as Status } from '@grpc/grpc-js';
import { ServiceError } from '../../lib/grpc/service-error.js';

/** Time as the batcher sees it: the seam that lets tests form batches without sleeping. */
export interface BatchClock {
  /** Milliseconds since the Unix epoch, fractional, so deadlines (Date) compare directly. */
  now(): number;
  /** Calls `fn` once after `ms`; the returned function cancels it. */
  setTimer(ms: number, fn: () => void): () => void;
}

export const systemBatchClock: BatchClock = {
  now: () => performance.timeOrigin + performance.now(),
  setTimer: (ms, fn) => {
    const timer = setTimeout(fn, Math.max(0, ms));
    return () => clearTimeout(timer);
  },
};

export interface DynamicBatcherOptions {
  /** Most batch elements in one execution (the plan's maxBatchSize). */
  readonly maxBatchSize: number;
  /** Batch sizes sent as soon as they can be formed, largest first. */
  readonly preferredBatchSizes: readonly number[];
  /** Longest the oldest queued request waits for others; 0 sends whenever capacity frees up. */
  readonly maxQueueDelayMicroseconds: number;
  /** Executions that may run at once, read at every dispatch (replicas come and go). */
  readonly capacity: () => number;
  readonly clock: BatchClock;
}

/** One request in a batch, as the runner sees it. */
export interface BatchMember<T> {
  readonly item: T;
  /** Its batch elements (its inputs' dim 0). */
  readonly size: number;
  /** Its own deadline, in `clock.now()` time. */
  readonly deadlineMs: number;
}

/**
 * Runs one batch and resolves with one result per member, in member order. `signal` aborts once
 * every member has left (cancelled or past its deadline), so no one waits for the results.
 */
export type BatchRunner<T, R> = (
  members: readonly BatchMember<T>[],
  signal: AbortSignal,
) => Promise<readonly R[]>;

interface Entry<T, R> extends BatchMember<T> {
  readonly key: string;
  readonly enqueuedMs: number;
  settled: boolean;
  batch?: { abort: AbortController; open: number };
  settle(outcome: { ok: true; value: R } | { ok: false; error: unknown }): void;
}

/**
 * Triton's dynamic batcher, for one model version. Requests with the same `key` (same non-batch
 * shapes, datatypes, requested outputs) queue together; while fewer than `capacity()` executions
 * run, the oldest request's group is sent, in arrival order, up to `maxBatchSize` elements:
 * at once when it fills the batch or reaches a preferred size (the largest reachable), else once
 * the oldest has waited `maxQueueDelayMicroseconds`. Every request keeps its own deadline and
 * cancellation: it leaves the queue (or, once sent, stops waiting for the batch) with
 * DEADLINE_EXCEEDED or CANCELLED, and a batch that fails fails each member that is still waiting.
 */
export class DynamicBatcher<T, R> {
  readonly #o: DynamicBatcherOptions;
  readonly #run: BatchRunner<T, R>;
  #queue: Entry<T, R>[] = [];
  #inFlight = 0;
  #cancelDelay: (() => void) | undefined;

  constructor(options: DynamicBatcherOptions, run: BatchRunner<T, R>) {
    this.#o = options;
    this.#run = run;
  }

  /** Requests waiting to be sent. */
  get queued(): number {
    return this.#queue.length;
  }

  /** Batches sent and not yet finished. */
  get inFlight(): number {
    return this.#inFlight;
  }

  submit(item: T, key: string, size: number, deadlineMs: number, signal: AbortSignal): Promise<R> {
    const clock = this.#o.clock;
    return new Promise<R>((resolve, reject) => {
      if (signal.aborted) return reject(cancelled());
      if (clock.now() >= deadlineMs) return reject(deadlinePassed());
      const onAbort = (): void => this.#leave(entry, cancelled());
      const cancelDeadline = clock.setTimer(deadlineMs - clock.now(), () =>
        this.#leave(entry, deadlinePassed()),
      );
      const entry: Entry<T, R> = {
        item,
        key,
        size,
        deadlineMs,
        enqueuedMs: clock.now(),
        settled: false,
        settle: (outcome) => {
          if (entry.settled) return;
          entry.settled = true;
          signal.removeEventListener('abort', onAbort);
          cancelDeadline();
          if (outcome.ok) resolve(outcome.value);
          else reject(outcome.error);
        },
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#queue.push(entry);
      this.#pump();
    });
  }

  #leave(entry: Entry<T, R>, error: ServiceError): void {
    if (entry.settled) return;
    entry.settle({ ok: false, error });
    if (!entry.batch) {
      this.#queue = this.#queue.filter((e) => e !== entry);
      this.#pump();
    } else if (--entry.batch.open === 0) entry.batch.abort.abort();
  }

  /** Sends every batch that is due while capacity allows; arms the delay timer for the next. */
  #pump(): void {
    this.#cancelDelay?.();
    this.#cancelDelay = undefined;
    while (this.#queue.length > 0 && this.#inFlight < Math.max(1, this.#o.capacity())) {
      const batch = this.#due();
      if (!batch) return;
      this.#dispatch(batch);
    }
  }

  /** The batch to send now from the oldest request's group, or undefined (timer armed) to wait. */
  #due(): Entry<T, R>[] | undefined {
    const { maxBatchSize, preferredBatchSizes, maxQueueDelayMicroseconds, clock } = this.#o;
    const head = this.#queue[0]!;
    const group: Entry<T, R>[] = [];
    let total = 0;
    for (const entry of this.#queue) {
      if (entry.key !== head.key) continue;
      if (group.length > 0 && total + entry.size > maxBatchSize) break;
      group.push(entry);
      total += entry.size;
    }
    if (total >= maxBatchSize) return group;
    let preferred = 0;
    for (let n = 0, sum = 0; n < group.length; n++) {
      sum += group[n]!.size;
      if (preferredBatchSizes.includes(sum)) preferred = n + 1;
    }
    if (preferred > 0) return group.slice(0, preferred);
    const waitMs = head.enqueuedMs + maxQueueDelayMicroseconds / 1000 - clock.now();
    if (waitMs <= 0) return group;
    this.#cancelDelay = clock.setTimer(waitMs, () => {
      this.#cancelDelay = undefined;
      this.#pump();
    });
    return undefined;
  }

  #dispatch(entries: Entry<T, R>[]): void {
    const sent = new Set(entries);
    this.#queue = this.#queue.filter((e) => !sent.has(e));
    const batch = { abort: new AbortController(), open: entries.length };
    for (const e of entries) e.batch = batch;
    this.#inFlight++;
    const members = entries.map(({ item, size, deadlineMs }) => ({ item, size, deadlineMs }));
    void Promise.resolve()
      .then(() => this.#run(members, batch.abort.signal))
      .then(
        (results) => entries.forEach((e, i) => e.settle({ ok: true, value: results[i]! })),
        (error: unknown) => entries.forEach((e) => e.settle({ ok: false, error })),
      )
      .finally(() => {
        this.#inFlight--;
        this.#pump();
      });
  }
}

const cancelled = (): ServiceError => new ServiceError(Status.CANCELLED, 'the request was cancelled');
const deadlinePassed = (): ServiceError =>
  new ServiceError(Status.DEADLINE_EXCEEDED, 'deadline passed while its batch was queued or running');
