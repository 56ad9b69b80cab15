import { isGrpcError, ServiceError } from '../../lib/grpc/service-error.js';
import type { PartitionGather } from '../../lib/plan/stage-gather.js';
import type { ShardInstance } from '../../registry/registry.js';
import { attemptTimeoutMs } from './attempt-timeout.js';
import { gatherStatus } from './gather-status.js';
import { hedgeDelayMs } from './hedge-policy.js';
import type { LatencyWindow } from './latency-window.js';
import { RecordingSink, runAttempt, type AttemptOutcome, type AttemptTarget } from './partition-attempt.js';
import type { ExecutionContext } from './plan-executor.js';
import { RETRYABLE_CODES } from './retry-policy.js';

export interface RoundArgs {
  readonly target: AttemptTarget;
  readonly gather: PartitionGather;
  readonly ctx: ExecutionContext;
  /** The partition's replicas now, `primary` among them. */
  readonly replicas: readonly ShardInstance[];
  readonly primary: ShardInstance;
  /** Replicas this partition call has tried; a hedge adds its own. */
  readonly tried: Set<string>;
  /** The retry loop's attempt number, for the attempt timeout. */
  readonly attempt: number;
  /** The partition's latencies; undefined without attempt guards. */
  readonly latencies: LatencyWindow | undefined;
}

/**
 * One round of the retry loop: an attempt on `primary`, and, when hedging is on and the primary
 * has not answered after the partition's hedge delay, a second attempt on an idle admitted
 * replica not yet tried (only while the retry budget would allow a retry). The first to succeed is
 * committed to the gather and the other cancelled in-band; the primary writes into the gather as
 * it streams, the hedge into a `RecordingSink` that is replayed into a fresh sink only if it wins.
 * Resolves with the winner's success, or with the failures (the last one last). Latencies and the
 * outlier detector hear each attempt's own outcome; a loser cancelled for a winner counts as
 * neither.
 */
export async function attemptRound(a: RoundArgs): Promise<AttemptOutcome[]> {
  const { ctx, gather, target } = a;
  const delayMs =
    ctx.attempts && a.latencies
      ? hedgeDelayMs(ctx.attempts.hedge, target.stage, a.latencies, ctx.deadline.getTime() - ctx.clock.now())
      : undefined;
  // Only an attempt that may be hedged needs a signal of its own, to be cancelled as the loser.
  const primaryAbort = delayMs === undefined ? undefined : new AbortController();
  const primary = runAttempt(
    a.primary,
    target,
    ctx,
    gather.sink(target.p),
    timeoutFor(a, a.attempt),
    primaryAbort ? abortedWith(ctx.signal, primaryAbort) : ctx.signal,
    a.attempt,
  );
  const outcomes =
    primaryAbort && delayMs !== undefined
      ? await withHedge(a, primary, primaryAbort, delayMs)
      : [await primary];
  const won = outcomes.find((o) => o.ok);
  if (won) {
    a.latencies?.record(won.latencyMs);
    gather.partitionDone(target.p);
  }
  for (const o of outcomes) account(a, o);
  return won ? [won] : outcomes;
}

async function withHedge(
  a: RoundArgs,
  primary: Promise<AttemptOutcome>,
  primaryAbort: AbortController,
  delayMs: number,
): Promise<AttemptOutcome[]> {
  const { ctx, gather, target } = a;
  const timer = new AbortController();
  const first = await Promise.race([
    primary,
    ctx.clock.sleep(delayMs, abortedWith(ctx.signal, timer)).then(() => undefined),
  ]);
  timer.abort();
  if (first !== undefined || ctx.signal.aborted) return [await primary];
  const idle = a.replicas.find(
    (r) =>
      !a.tried.has(r.id) && ctx.picker.outstanding(r.id) === 0 && !ctx.attempts?.outliers.isEjected(r.id),
  );
  if (!idle || !ctx.retry.budget.canRetry) return [await primary];
  a.tried.add(idle.id);
  ctx.log.debug({ stage: target.stage.name, partition: target.p, replica: idle.id, delayMs }, 'hedging');
  const recording = new RecordingSink();
  const hedgeAbort = new AbortController();
  const hedge = runAttempt(
    idle,
    target,
    ctx,
    recording,
    timeoutFor(a, a.attempt),
    abortedWith(ctx.signal, hedgeAbort),
    a.attempt,
    true,
  );
  const [primaryEnd, hedgeEnd] = [settledFlag(primary), settledFlag(hedge)];
  const winner = await firstSuccess([primary, hedge]);
  if (winner === undefined) return [await primary, await hedge];
  // The loser's own failure, if it came before the win, counts against its replica.
  const earlier = winner.replica === a.primary ? hedgeEnd.outcome : primaryEnd.outcome;
  const lost = earlier ? [earlier] : [];
  if (winner.replica === a.primary) {
    hedgeAbort.abort();
    await hedge;
    return [...lost, winner];
  }
  primaryAbort.abort();
  await primary;
  // A fresh sink deafens the primary's and drops what it streamed; then the hedge's bytes go in,
  // checked against the plan as they would have been while streaming.
  try {
    recording.replay(gather.sink(target.p));
  } catch (error) {
    throw gatherStatus(error);
  }
  return [...lost, winner];
}

/** Remembers an attempt's outcome once it settles, to tell which of two came first. */
function settledFlag(attempt: Promise<AttemptOutcome>): { outcome?: AttemptOutcome } {
  const flag: { outcome?: AttemptOutcome } = {};
  void attempt.then((o) => (flag.outcome = o));
  return flag;
}

const isRetryable = (error: unknown): boolean =>
  (error instanceof ServiceError || isGrpcError(error)) && RETRYABLE_CODES.has(error.code);

/** The first successful outcome, or undefined once all have failed. */
function firstSuccess(attempts: Promise<AttemptOutcome>[]): Promise<AttemptOutcome | undefined> {
  return new Promise((resolve) => {
    let failed = 0;
    for (const attempt of attempts)
      void attempt.then((o) => {
        if (o.ok) resolve(o);
        else if (++failed === attempts.length) resolve(undefined);
      });
  });
}

function timeoutFor(a: RoundArgs, attempt: number): number | undefined {
  const { ctx } = a;
  if (!ctx.attempts || !a.latencies) return undefined;
  // With no other replica to move to, cutting an attempt only restarts the same work on the same
  // replica, and under load turns a slow answer into a failure: the client's deadline bounds it.
  if (a.replicas.length < 2) return undefined;
  const remainingMs = ctx.deadline.getTime() - ctx.clock.now();
  return attemptTimeoutMs(ctx.attempts.timeout, a.latencies, attempt, remainingMs);
}

/** `own`'s signal, aborted also when `parent` aborts. */
function abortedWith(parent: AbortSignal, own: AbortController): AbortSignal {
  return AbortSignal.any([parent, own.signal]);
}

/** Tells the outlier detector of a replica's own outcome; a cancelled loser is neither. */
function account(a: RoundArgs, o: AttemptOutcome): void {
  const outliers = a.ctx.attempts?.outliers;
  if (!outliers) return;
  if (o.ok) return outliers.onSuccess(o.replica.id);
  if (!o.timedOut && !isRetryable(o.error)) return;
  const ejectedMs = outliers.onFailure(
    o.replica.id,
    a.replicas.map((r) => r.id),
  );
  if (ejectedMs !== undefined)
    a.ctx.log.warn(
      { stage: a.target.stage.name, partition: a.target.p, replica: o.replica.id, ejectedMs },
      'replica ejected after consecutive failures',
    );
}
