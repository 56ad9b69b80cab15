import { status as Status } from '@grpc/grpc-js';
import type { Plan, StagePlan } from '../../lib/plan/schema.js';
import { splitTensor } from '../../lib/tensor/scatter.js';
import type { Tensor } from '../../lib/tensor/tensor.js';
import { isGrpcError, ServiceError } from '../../lib/grpc/service-error.js';
import type { Logger } from '../../lib/log.js';
import type { RoutingTable } from './routing-table.js';
import { callPartition } from './partition-call.js';
import type { ReplicaPicker } from './replica-picker.js';
import type { ShardClients } from './shard-clients.js';
import { StageGather } from '../../lib/plan/stage-gather.js';
import { gatherStatus } from './gather-status.js';

/** Codes after which the same partition may succeed on another replica: inference has no side effects. */
const RETRYABLE = new Set([
  Status.UNAVAILABLE,
  Status.UNKNOWN,
  Status.INTERNAL,
  Status.ABORTED,
  Status.NOT_FOUND,
  Status.FAILED_PRECONDITION,
]);

export interface ExecutionContext {
  readonly requestId: string;
  readonly deadline: Date;
  readonly signal: AbortSignal;
  readonly table: () => RoutingTable;
  readonly picker: ReplicaPicker;
  readonly clients: ShardClients;
  readonly chunkBytes: number;
  readonly log: Logger;
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
  const gather = new StageGather(stage);
  const parts = scatter(stage, available);
  const stageAbort = new AbortController();
  const onAbort = (): void => stageAbort.abort();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  try {
    // One failed partition fails the request, so stop the others' streams at once.
    await Promise.all(
      parts.map((inputs, p) =>
        runPartition(plan, stage, p, inputs, gather, { ...ctx, signal: stageAbort.signal }).catch(
          (error: unknown) => {
            stageAbort.abort();
            throw error;
          },
        ),
      ),
    );
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
  }
  try {
    return gather.result();
  } catch (error) {
    throw gatherStatus(error);
  }
}

/** Runs one partition, retrying on another replica within the deadline when a replica fails. */
async function runPartition(
  plan: Plan,
  stage: StagePlan,
  p: number,
  inputs: Tensor[],
  gather: StageGather,
  ctx: ExecutionContext,
): Promise<void> {
  const tried = new Set<string>();
  let lastError: unknown;
  for (;;) {
    if (ctx.signal.aborted) throw new ServiceError(Status.CANCELLED, 'the request was cancelled');
    if (Date.now() >= ctx.deadline.getTime())
      throw new ServiceError(Status.DEADLINE_EXCEEDED, `deadline passed while running stage "${stage.name}"`);
    const replicas = ctx.table().replicas(plan.name, plan.version, stage.name, p);
    const replica = ctx.picker.pick(replicas, tried);
    if (!replica) {
      const why =
        tried.size === 0
          ? 'no healthy replica is registered'
          : `all ${tried.size} replicas failed, last: ${describe(lastError)}`;
      throw new ServiceError(
        Status.UNAVAILABLE,
        `model "${plan.name}" version ${plan.version}: stage "${stage.name}" partition ${p}: ${why}`,
        { cause: lastError },
      );
    }
    tried.add(replica.id);
    const end = ctx.picker.begin(replica);
    try {
      const header = {
        request_id: ctx.requestId,
        model: plan.name,
        version: plan.version,
        stage: stage.name,
        partition: p,
        inputs: [],
      };
      const trailer = await callPartition(ctx.clients, {
        instance: replica,
        header,
        inputs,
        deadline: ctx.deadline,
        signal: ctx.signal,
        chunkBytes: ctx.chunkBytes,
        sink: gather.sink(p),
      });
      gather.partitionDone(p);
      ctx.log.debug(
        { stage: stage.name, partition: p, replica: replica.id, computeUs: trailer.compute_us },
        'partition done',
      );
      return;
    } catch (error) {
      lastError = error;
      const code = error instanceof ServiceError || isGrpcError(error) ? error.code : Status.UNKNOWN;
      if (!RETRYABLE.has(code)) throw error;
      ctx.log.warn(
        { stage: stage.name, partition: p, replica: replica.id, code: Status[code], err: describe(error) },
        'replica failed; retrying on another',
      );
    } finally {
      end();
    }
  }
}

function describe(error: unknown): string {
  if (error instanceof ServiceError) return error.details;
  if (isGrpcError(error)) return `${Status[error.code]}: ${error.details}`;
  return error instanceof Error ? error.message : String(error);
}
