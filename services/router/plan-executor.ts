import { status as Status } from '@grpc/grpc-js';
import type { Plan, StagePlan } from '../../lib/plan/schema.js';
import { splitTensor } from '../../lib/tensor/scatter.js';
import type { Tensor } from '../../lib/tensor/tensor.js';
import { isGrpcError, ServiceError } from '../../lib/grpc/service-error.js';
import type { Logger } from '../../lib/log.js';
import type { RoutingTable } from './routing-table.js';
import type { Clock } from './clock.js';
import type { PartitionCaller } from './partition-call.js';
import type { ReplicaPicker } from './replica-picker.js';
import type { RetryPolicy } from './retry-policy.js';
import { StageGather, type PartitionGather } from '../../lib/plan/stage-gather.js';
import { skipsEmptySlices } from '../../lib/plan/request-limits.js';
import { gatherStatus } from './gather-status.js';
import type { PartitionLatencies } from './latency-window.js';
import type { AttemptTimeoutOptions } from './attempt-timeout.js';
import type { OutlierDetector } from './outlier-detector.js';
import type { HedgeOptions } from './hedge-policy.js';
import { attemptRound } from './hedged-attempt.js';
import type { ExecutionObserver } from './execution-observer.js';
import { endSpan, NOT_TRACED, startChildSpan, type Span } from '../../lib/telemetry/spans.js';

export interface ExecutionContext {
  readonly requestId: string;
  readonly deadline: Date;
  readonly signal: AbortSignal;
  readonly table: () => RoutingTable;
  readonly picker: ReplicaPicker;
  /** Runs one attempt of a partition on one replica. */
  readonly call: PartitionCaller;
  /** Whether and when a failed attempt is retried; shared by every request of a router. */
  readonly retry: RetryPolicy;
  readonly clock: Clock;
  readonly chunkBytes: number;
  readonly log: Logger;
  /** Per-attempt timeouts and outlier ejection; without it, an attempt runs to the request's deadline. */
  readonly attempts?: AttemptGuards;
  /** Told of every attempt and retry (metrics, `GET /status`); without it, nothing is counted. */
  readonly observer?: ExecutionObserver;
  /**
   * The request's span: each stage's span is its child, each attempt's a child of its stage's.
   * @default NOT_TRACED (no spans; a dynamic batch, which serves many requests, is not traced)
   */
  readonly span?: Span;
  /** Handed the last stage's gather before its partitions run (a streamed answer watches it). */
  readonly watchLastStage?: (gather: StageGather) => void;
}

/** What bounds one attempt, shared by every request of a router. */
export interface AttemptGuards {
  /** Each partition's recent successful attempt latencies. */
  readonly latencies: PartitionLatencies;
  readonly timeout: AttemptTimeoutOptions;
  /** Told of every attempt's outcome; the picker skips the replicas it ejects. */
  readonly outliers: OutlierDetector;
  /** Hedged second attempts; undefined: none. */
  readonly hedge?: HedgeOptions;
}

/** Runs a plan's stages in order; each stage's gathered outputs feed the next by name. */
export async function executePlan(
  plan: Plan,
  inputs: ReadonlyMap<string, Tensor>,
  ctx: ExecutionContext,
): Promise<Map<string, Tensor>> {
  const available = new Map(inputs);
  for (const stage of plan.stages) {
    const outputs = await executeStage(plan, stage, available, ctx);
    for (const [name, tensor] of outputs) available.set(name, tensor);
  }
  return available;
}

function scatter(stage: StagePlan, available: ReadonlyMap<string, Tensor>): Tensor[][] {
  const n = stage.partitions.length;
  const perInput = stage.inputs.map((input) => {
    const tensor = available.get(input.name)!;
    return input.scatter.kind === 'replicate'
      ? Array.from({ length: n }, () => tensor)
      : splitTensor(tensor, input.scatter.axis, n);
  });
  return Array.from({ length: n }, (_, p) => perInput.map((parts) => parts[p]!));
}

async function executeStage(
  plan: Plan,
  stage: StagePlan,
  available: ReadonlyMap<string, Tensor>,
  ctx: ExecutionContext,
): Promise<Map<string, Tensor>> {
  const span = startChildSpan('stage', ctx.span ?? NOT_TRACED);
  if (span.isRecording())
    span.setAttributes({ 'shardmesh.stage': stage.name, 'shardmesh.partitions': stage.partitions.length });
  try {
    const outputs = await runStage(plan, stage, available, ctx, span);
    endSpan(span);
    return outputs;
  } catch (error) {
    endSpan(span, error);
    throw error;
  }
}

async function runStage(
  plan: Plan,
  stage: StagePlan,
  available: ReadonlyMap<string, Tensor>,
  ctx: ExecutionContext,
  span: Span,
): Promise<Map<string, Tensor>> {
  const parts = scatter(stage, available);
  const { result, gather, run } = partitionsToRun(stage, parts);
  if (stage === plan.stages.at(-1)) ctx.watchLastStage?.(result);
  if (run.length === 1) {
    // Alone, the partition runs on the request's own signal: nothing else to stop if it fails.
    await runPartition(plan, stage, run[0]!, parts[run[0]!]!, gather, ctx, span);
  } else {
    const stageAbort = new AbortController();
    const onAbort = (): void => stageAbort.abort();
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    const partitionCtx = { ...ctx, signal: stageAbort.signal };
    try {
      // One failed partition fails the request, so stop the others' streams at once.
      await Promise.all(
        run.map((p) =>
          runPartition(plan, stage, p, parts[p]!, gather, partitionCtx, span).catch((error: unknown) => {
            stageAbort.abort();
            throw error;
          }),
        ),
      );
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
    }
  }
  // What is left of the gather once every partition has streamed in (most of it ran as bytes arrived).
  const merge = startChildSpan('merge', span);
  try {
    const outputs = result.result();
    endSpan(merge);
    return outputs;
  } catch (error) {
    const status = gatherStatus(error);
    endSpan(merge, status);
    throw status;
  }
}

/**
 * The partitions a request runs on, and the gather their outputs go to. Every partition, unless
 * the split left some an empty slice (a batch smaller than the partition count) and the stage
 * can do without them (`skipsEmptySlices`): then only the others run, and the gather is of a
 * stage made of them alone. Validation has refused empty slices for every other stage.
 */
function partitionsToRun(
  stage: StagePlan,
  parts: readonly Tensor[][],
): { result: StageGather; gather: PartitionGather; run: number[] } {
  const all = parts.map((_, p) => p);
  const run = skipsEmptySlices(stage) ? all.filter((p) => parts[p]!.every((t) => t.data.length > 0)) : all;
  if (run.length === all.length) {
    // The usual case: the stage's own gather, no index mapping on the request path.
    const whole = new StageGather(stage);
    return { result: whole, gather: whole, run };
  }
  const some = new StageGather({ ...stage, partitions: run.map((p) => stage.partitions[p]!) });
  const slot = new Map(run.map((p, i) => [p, i]));
  return {
    result: some,
    gather: { sink: (p) => some.sink(slot.get(p)!), partitionDone: (p) => some.partitionDone(slot.get(p)!) },
    run,
  };
}

const NONE: ReadonlySet<string> = new Set();

/**
 * Runs one partition. A failed attempt is retried as `ctx.retry` decides, after its jittered
 * backoff, on a replica not yet tried when the partition has one (else on one tried before, whose
 * failure may have been passing). Each attempt gets a fresh sink, so a `sum` or `top-k` attempt
 * that failed mid-stream leaves nothing in the gather. With `ctx.attempts`, each round
 * (`attemptRound`) is bounded by the partition's attempt timeout, may be hedged, and tells the
 * outlier detector how each replica did; a timed-out attempt is retried as an UNAVAILABLE.
 */
async function runPartition(
  plan: Plan,
  stage: StagePlan,
  p: number,
  inputs: Tensor[],
  gather: PartitionGather,
  ctx: ExecutionContext,
  stageSpan: Span,
): Promise<void> {
  // Named only in errors: not built for every partition of every request.
  const where = (): string =>
    `model "${plan.name}" version ${plan.version}: stage "${stage.name}" partition ${p}`;
  const latencies = ctx.attempts?.latencies.window(`${plan.name}\n${plan.version}\n${stage.name}\n${p}`);
  const tried = new Set<string>();
  for (let attempt = 1; ; attempt++) {
    if (ctx.signal.aborted) throw new ServiceError(Status.CANCELLED, 'the request was cancelled');
    if (ctx.clock.now() >= ctx.deadline.getTime())
      throw new ServiceError(Status.DEADLINE_EXCEEDED, `deadline passed while running stage "${stage.name}"`);
    const replicas = ctx.table().replicas(plan.name, plan.version, stage.name, p);
    const replica = ctx.picker.pick(replicas, tried) ?? ctx.picker.pick(replicas, NONE);
    if (!replica) throw new ServiceError(Status.UNAVAILABLE, `${where()}: no healthy replica is registered`);
    tried.add(replica.id);
    const outcomes = await attemptRound({
      target: { plan, stage, p, inputs, span: stageSpan },
      gather,
      ctx,
      replicas,
      primary: replica,
      tried,
      attempt,
      latencies,
    });
    const outcome = outcomes[outcomes.length - 1]!;
    if (outcome.ok) {
      ctx.retry.onSuccess();
      return;
    }
    const { error, receivedBytes } = outcome;
    const code = codeOf(error);
    const now = ctx.clock.now();
    const decision = ctx.retry.afterFailure(attempt, code, now, ctx.deadline.getTime(), outcome.replica.id);
    const fields = {
      stage: stage.name,
      partition: p,
      replica: outcome.replica.id,
      attempt,
      code: Status[code],
      receivedBytes,
      err: describe(error),
    };
    if (!decision.retry) {
      if (decision.reason === 'not-retryable') {
        if (code !== Status.CANCELLED) ctx.log.warn(fields, 'partition attempt failed; not retryable');
        throw forClient(error, code, where());
      }
      ctx.log.warn({ ...fields, reason: decision.reason }, 'partition attempt failed; giving up');
      // The last failure's details name shard instances and addresses: they stay in the log.
      throw new ServiceError(
        code === Status.RESOURCE_EXHAUSTED ? code : Status.UNAVAILABLE,
        `${where()}: ${GIVE_UP[decision.reason]} after ${attempt} attempt(s) on ${tried.size} replica(s), last status ${Status[code]}${code === Status.RESOURCE_EXHAUSTED ? SHARD_NO_ROOM : ''}`,
        { cause: error },
      );
    }
    ctx.log.warn({ ...fields, delayMs: Math.round(decision.delayMs) }, 'partition attempt failed; retrying');
    ctx.observer
      ?.partition(plan, stage, p)
      .retried(outcome.timedOut ? 'attempt_timeout' : Status[code].toLowerCase());
    await ctx.clock.sleep(decision.delayMs, ctx.signal);
  }
}

/** Why a shard says RESOURCE_EXHAUSTED (shard.proto), told to the client without the shard's id. */
const SHARD_NO_ROOM =
  ': the shards had no room for it (their in-flight byte budgets were full, or memory for the run ' +
  'could not be allocated); retry later (this is a server limit, not your quota)';

const GIVE_UP = {
  attempts: 'gave up',
  budget: "gave up (the router's retry budget is spent)",
  deadline: 'gave up (no time for a retry before the deadline)',
} as const;

/**
 * What a client learns of a shard's non-retryable failure. The router's own errors pass as they
 * are; a shard's words reach the client only for INVALID_ARGUMENT (about the request's tensors);
 * otherwise the code and a generic message, since a shard's details may name instances, addresses
 * or identities (the log keeps them). A shard refusing this router's identity is the mesh's fault,
 * not the caller's: INTERNAL, never PERMISSION_DENIED.
 */
function forClient(error: unknown, code: Status, where: string): unknown {
  if (error instanceof ServiceError || !isGrpcError(error)) return error;
  if (code === Status.INVALID_ARGUMENT)
    return new ServiceError(code, `${where}: ${error.details}`, { cause: error });
  if (code === Status.PERMISSION_DENIED || code === Status.UNAUTHENTICATED)
    return new ServiceError(Status.INTERNAL, `${where}: a shard refused this router's identity`, {
      cause: error,
    });
  return new ServiceError(
    code,
    `${where}: ${Status[code]} from the shard; the router's log has the details`,
    {
      cause: error,
    },
  );
}

function codeOf(error: unknown): Status {
  return error instanceof ServiceError || isGrpcError(error) ? error.code : Status.UNKNOWN;
}

function describe(error: unknown): string {
  if (error instanceof ServiceError) return error.details;
  if (isGrpcError(error)) return `${Status[error.code]}: ${error.details}`;
  return error instanceof Error ? error.message : String(error);
}
