import { randomUUID } from 'node:crypto';
import { status as Status } from '@grpc/grpc-js';
import type { Plan } from '../../lib/plan/schema.js';
import type { Tensor } from '../../lib/tensor/tensor.js';
import { invalidArgument, ServiceError } from '../../lib/grpc/service-error.js';
import { clip, MAX_QUOTED_BYTES, quote } from '../../lib/grpc/status-text.js';
import { undecodable } from '../../lib/grpc/v2-codec.js';
import type { Logger } from '../../lib/log.js';
import type { RoutingTable } from './routing-table.js';
import type { ModelCatalog } from './model-catalog.js';
import type { ModelStatisticsBook } from './model-statistics.js';
import { executePlan, type ExecutionContext } from './plan-executor.js';
import type { ModelBatchers } from './model-batchers.js';
import { decodeInputs, encodeContents, type WireInputTensor } from './v2-tensors.js';
import type { Reservation } from '../../lib/byte-budget.js';
import { expectedBytes, heldBytes } from './request-bytes.js';

export interface InferRequest {
  model_name: string;
  model_version: string;
  id: string;
  inputs: WireInputTensor[];
  outputs: { name: string }[];
  raw_input_contents: Buffer[];
}

export interface InferenceContext {
  readonly catalog: ModelCatalog;
  readonly table: () => RoutingTable;
  readonly statistics: ModelStatisticsBook;
  readonly execution: Omit<ExecutionContext, 'requestId' | 'deadline' | 'signal' | 'log'>;
  /** Dynamic batching for plans that ask for it; without it every request runs alone. */
  readonly batchers?: ModelBatchers;
  readonly defaultDeadlineMs: number;
  readonly log: Logger;
  readonly version: string;
}

/** A model is ready when every partition of every stage has at least one passing replica. */
export function modelReady(plan: Plan, table: RoutingTable): boolean {
  return plan.stages.every((stage) =>
    stage.partitions.every((_, p) => table.replicas(plan.name, plan.version, stage.name, p).length > 0),
  );
}

/**
 * One inference, whatever RPC carried it: resolve the plan, validate and decode the inputs, run the
 * stages, and encode the requested outputs — typed `contents` when the client sent typed contents
 * (grpcurl and other JSON users), `raw_output_contents` otherwise, as Triton does.
 *
 * `reservation`, the request's share of the router's in-flight byte budget, grows by what the
 * request will hold before any shard is called (RESOURCE_EXHAUSTED when it does not fit); the
 * caller releases it once the answer has left the router.
 */
export async function runInference(
  ctx: InferenceContext,
  request: InferRequest,
  deadline: Date,
  signal: AbortSignal,
  reservation?: Reservation,
): Promise<object> {
  const why = undecodable(request);
  if (why !== undefined)
    throw invalidArgument(`the message is not a ModelInferRequest (${clip(why, MAX_QUOTED_BYTES)})`);
  const plan = ctx.catalog.resolve(request.model_name, request.model_version);
  const started = process.hrtime.bigint();
  const requestId = request.id || randomUUID();
  const log = ctx.log.child({ requestId, model: plan.name, version: plan.version });
  try {
    const inputs = decodeInputs(plan, request.inputs, request.raw_input_contents);
    const requested =
      request.outputs.length > 0 ? request.outputs.map((o) => o.name) : plan.outputs.map((o) => o.name);
    // Each output once: a request naming one many times would have the router send it as often.
    const seen = new Set<string>();
    for (const name of requested) {
      if (!plan.outputs.some((o) => o.name === name))
        throw invalidArgument(`output ${quote(name)} is not an output of model "${plan.name}"`);
      if (seen.has(name)) throw invalidArgument(`output ${quote(name)} is requested twice; ask for it once`);
      seen.add(name);
    }
    // Triton counts batch elements in inference_count; a model without a batch dim counts 1.
    const batch = plan.maxBatchSize > 0 ? (inputs.get(plan.inputs[0]!.name)?.shape[0] ?? 1) : 1;
    reservation?.grow(expectedBytes(plan, inputs, requested, batch));
    const batched = ctx.batchers?.run(plan, { requestId, inputs, requested }, deadline, signal);
    const results = batched
      ? await batched
      : await executeAlone(ctx, plan, inputs, batch, { ...ctx.execution, requestId, deadline, signal, log });
    const tensors = requested.map((name) => results.get(name)!);
    reservation?.resize(heldBytes(inputs, tensors));
    const typed = request.raw_input_contents.length === 0;
    ctx.statistics.record(plan.name, plan.version, true, Number(process.hrtime.bigint() - started), batch);
    return {
      model_name: plan.name,
      model_version: plan.version,
      id: request.id,
      outputs: tensors.map((t) => ({
        name: t.name,
        datatype: t.datatype,
        shape: t.shape,
        ...(typed ? { contents: encodeContents(t) } : {}),
      })),
      raw_output_contents: typed ? [] : tensors.map((t) => t.data),
    };
  } catch (error) {
    ctx.statistics.record(plan.name, plan.version, false, Number(process.hrtime.bigint() - started));
    if (!(error instanceof ServiceError && error.code === Status.INVALID_ARGUMENT))
      log.warn({ err: error }, 'inference failed');
    throw error;
  }
}

/** Runs one request as its own execution, counted as one in the statistics. */
async function executeAlone(
  ctx: InferenceContext,
  plan: Plan,
  inputs: ReadonlyMap<string, Tensor>,
  batch: number,
  execution: ExecutionContext,
): Promise<Map<string, Tensor>> {
  const started = process.hrtime.bigint();
  const results = await executePlan(plan, inputs, execution);
  ctx.statistics.recordExecution(plan.name, plan.version, batch, Number(process.hrtime.bigint() - started));
  return results;
}
