import { status as Status } from '@grpc/grpc-js';
import type { Plan, StagePlan } from '../../lib/plan/schema.js';
import type { PartitionSink } from '../../lib/plan/stage-gather.js';
import type { Tensor } from '../../lib/tensor/tensor.js';
import type { TensorSpec } from '../../lib/tensor/tensor.js';
import type { ShardInstance } from '../../registry/registry.js';
import type { ExecutionContext } from './plan-executor.js';
import { grpcError } from './shard-stream-pool.js';
import {
  endSpan,
  SpanKind,
  startChildSpan,
  traceparentOf,
  tracestateOf,
  type Span,
} from '../../lib/telemetry/spans.js';

/** The partition an attempt runs. */
export interface AttemptTarget {
  readonly plan: Plan;
  readonly stage: StagePlan;
  readonly p: number;
  readonly inputs: readonly Tensor[];
  /** The stage's span: each attempt's span is its child. */
  readonly span: Span;
}

export type AttemptOutcome =
  | { readonly ok: true; readonly replica: ShardInstance; readonly latencyMs: number }
  | {
      readonly ok: false;
      readonly replica: ShardInstance;
      readonly error: unknown;
      readonly receivedBytes: number;
      /** The attempt timeout ended it (its error is then UNAVAILABLE). */
      readonly timedOut: boolean;
    };

/** Why an attempt's timer is stopped once the attempt is over (see the `finally` below). */
const ATTEMPT_ENDED = 'attempt ended';

/**
 * One attempt on `replica`, its output going to `sink`; the caller commits it to the gather when
 * it succeeds. Its span ("partition call", a child of the stage's) carries the replica, `attempt`
 * (the retry loop's number, from 1) and whether it is a `hedge`, the bytes each way and how it ended, and its `traceparent` goes to the shard in the call's
 * header, so the shard's spans for the call are its children. The replica counts as busy only while its call is open, not during a backoff. After
 * `timeoutMs` (when given) the attempt is aborted, which cancels its call in-band on the shard
 * (`callPartition`), and fails as UNAVAILABLE: a retryable failure of this replica, not of the
 * request. Aborting `signal` (the request's, or a hedge's loser) cancels it likewise. The timer
 * runs on `ctx.clock`, so tests drive it.
 */
export async function runAttempt(
  replica: ShardInstance,
  target: AttemptTarget,
  ctx: ExecutionContext,
  sink: PartitionSink,
  timeoutMs: number | undefined,
  signal: AbortSignal,
  attempt = 1,
  hedge = false,
): Promise<AttemptOutcome> {
  let receivedBytes = 0;
  let ok = false;
  const span = startChildSpan('partition call', target.span, SpanKind.CLIENT);
  if (span !== target.span) describeAttempt(span, replica, target, attempt, hedge);
  const startedMs = ctx.clock.now();
  const end = ctx.picker.begin(replica);
  // Without a timeout the call runs on `signal` itself: no controllers to make for every attempt.
  const timed = timeoutMs === undefined ? undefined : timeAttempt(timeoutMs, signal, ctx);
  const { plan, stage, p } = target;
  try {
    const trailer = await ctx.call({
      instance: replica,
      header: {
        request_id: ctx.requestId,
        model: plan.name,
        version: plan.version,
        stage: stage.name,
        partition: p,
        inputs: [],
        traceparent: traceparentOf(span),
        tracestate: tracestateOf(span),
      },
      inputs: target.inputs,
      deadline: ctx.deadline,
      signal: timed?.signal ?? signal,
      chunkBytes: ctx.chunkBytes,
      sink: {
        header: (specs) => sink.header(specs),
        chunk: (tensor, offset, data) => {
          receivedBytes += data.length;
          sink.chunk(tensor, offset, data);
        },
      },
    });
    // Guarded: the fields would be built for every partition of every request, logged or not.
    if (ctx.log.isLevelEnabled('debug'))
      ctx.log.debug(
        { stage: stage.name, partition: p, replica: replica.id, computeUs: trailer.compute_us },
        'partition done',
      );
    ok = true;
    if (span.isRecording()) span.setAttribute('shardmesh.compute_us', trailer.compute_us);
    endAttemptSpan(span, receivedBytes);
    return { ok: true, replica, latencyMs: ctx.clock.now() - startedMs };
  } catch (error) {
    if (!timed?.timedOut) {
      endAttemptSpan(span, receivedBytes, error);
      return { ok: false, replica, error, receivedBytes, timedOut: false };
    }
    const timeout = grpcError(Status.UNAVAILABLE, `no answer within the attempt timeout of ${timeoutMs} ms`);
    endAttemptSpan(span, receivedBytes, timeout);
    return { ok: false, replica, error: timeout, receivedBytes, timedOut: true };
  } finally {
    timed?.stop();
    end();
    ctx.observer
      ?.partition(plan, stage, p)
      .replica(replica)
      .ended(ok, ctx.clock.now() - startedMs, sentBytes(target.inputs), receivedBytes);
  }
}

function sentBytes(inputs: readonly Tensor[]): number {
  let n = 0;
  for (const t of inputs) n += t.data.length;
  return n;
}

/** An attempt span's attributes, set once when it starts (only when it records). */
function describeAttempt(
  span: Span,
  replica: ShardInstance,
  target: AttemptTarget,
  attempt: number,
  hedge: boolean,
): void {
  if (!span.isRecording()) return;
  span.setAttributes({
    'rpc.system': 'grpc',
    'rpc.service': 'shardmesh.v1.Shard',
    'rpc.method': 'Infer',
    'server.address': replica.address,
    'server.port': replica.port,
    'shardmesh.stage': target.stage.name,
    'shardmesh.partition': target.p,
    'shardmesh.replica': replica.id,
    'shardmesh.attempt': attempt,
    'shardmesh.hedge': hedge,
    'shardmesh.bytes_sent': sentBytes(target.inputs),
  });
}

function endAttemptSpan(span: Span, receivedBytes: number, error?: unknown): void {
  if (!span.isRecording()) return;
  span.setAttribute('shardmesh.bytes_received', receivedBytes);
  endSpan(span, error);
}

/**
 * An attempt's own signal: aborted when `signal` aborts, or after `timeoutMs` on `ctx.clock`
 * (then `timedOut` says so). `stop` ends the timer once the attempt is over.
 */
function timeAttempt(
  timeoutMs: number,
  signal: AbortSignal,
  ctx: ExecutionContext,
): { readonly signal: AbortSignal; readonly timedOut: boolean; stop(): void } {
  const attempt = new AbortController();
  const onAbort = (): void => attempt.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  if (signal.aborted) attempt.abort();
  // Its own controller, so ending the timer when the attempt ends leaves the call's signal as it was.
  const timer = new AbortController();
  let timedOut = false;
  void ctx.clock.sleep(timeoutMs, timer.signal).then(() => {
    if (timer.signal.aborted || attempt.signal.aborted) return;
    timedOut = true;
    attempt.abort();
  });
  return {
    signal: attempt.signal,
    get timedOut() {
      return timedOut;
    },
    stop: () => {
      signal.removeEventListener('abort', onAbort);
      // With a reason: a bare abort() builds a DOMException, on every attempt for nothing.
      timer.abort(ATTEMPT_ENDED);
    },
  };
}

/**
 * A sink that keeps what a hedged attempt sends, copied (a codec may reuse its buffers), to be
 * replayed into the gather only if the hedge wins.
 */
export class RecordingSink implements PartitionSink {
  #specs: readonly TensorSpec[] | undefined;
  readonly #chunks: { tensor: number; offset: number; data: Buffer }[] = [];

  header(specs: readonly TensorSpec[]): void {
    this.#specs = specs;
  }

  chunk(tensor: number, offset: number, data: Buffer): void {
    this.#chunks.push({ tensor, offset, data: Buffer.from(data) });
  }

  replay(into: PartitionSink): void {
    if (this.#specs) into.header(this.#specs);
    for (const c of this.#chunks) into.chunk(c.tensor, c.offset, c.data);
  }
}
