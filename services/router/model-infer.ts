import { randomUUID } from 'node:crypto';
import { status as Status } from '@grpc/grpc-js';
import type { Plan } from '../../lib/plan/schema.js';
import type { Tensor } from '../../lib/tensor/tensor.js';
import { invalidArgument, isGrpcError, ServiceError } from '../../lib/grpc/service-error.js';
import { clip, MAX_QUOTED_BYTES, MAX_STATUS_DETAILS_BYTES, quote } from '../../lib/grpc/status-text.js';
import { undecodable } from '../../lib/grpc/v2-codec.js';
import type { Logger } from '../../lib/log.js';
import type { RoutingTable } from './routing-table.js';
import type { ModelCatalog } from './model-catalog.js';
import type { ExecutionTiming, ModelStatisticsBook } from './model-statistics.js';
import { executePlan, type ExecutionContext } from './plan-executor.js';
import type { ModelBatchers } from './model-batchers.js';
import { decodeInputs, type WireInputTensor } from './v2-tensors.js';
import type { Reservation } from '../../lib/byte-budget.js';
import { expectedBytes, heldBytes } from './request-bytes.js';
import type { StreamedAnswer } from './streamed-answer.js';
import { endSpan, NOT_TRACED, startChildSpan, traceLogFields, type Span } from '../../lib/telemetry/spans.js';

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
  readonly execution: Omit<ExecutionContext, 'requestId' | 'deadline' | 'signal' | 'log' | 'span'>;
  /** Dynamic batching for plans that ask for it; without it every request runs alone. */
  readonly batchers?: ModelBatchers;
  readonly defaultDeadlineMs: number;
  readonly log: Logger;
  readonly version: string;
}

export { modelReady } from './model-readiness.js';

/**
 * One inference, whatever RPC carried it: resolve the plan, validate and decode the inputs, run the
 * stages, and answer the requested outputs in `raw_output_contents`, whichever form the inputs came
 * in (Triton does the same; grpc_service.proto promises it).
 *
 * A failure that is the server's side of the story (UNAVAILABLE, INTERNAL, DEADLINE_EXCEEDED, a
 * byte budget, UNKNOWN) names the request id, so the caller can quote it: the router's log lines
 * about the request carry that id and the shard instances, addresses and causes the status
 * leaves out. A request without an `id` gets a generated one for this.
 *
 * `reservation`, the request's share of the router's in-flight byte budget, grows by what the
 * request will hold before any shard is called (RESOURCE_EXHAUSTED when it does not fit); the
 * caller releases it once the answer has left the router.
 *
 * `span`, the request's span (the caller starts and ends it), gets the model and request id and
 * children for validation and each stage; its log lines carry its trace and span ids.
 *
 * `answer`, for a ModelInfer call, may start sending the response while the last stage's shards
 * still send it (streamed-answer.ts); a request in a dynamic batch is always answered whole. The
 * promise settles as without it, and the caller tells `answer` how it did.
 */
export async function runInference(
  ctx: InferenceContext,
  request: InferRequest,
  deadline: Date,
  signal: AbortSignal,
  reservation?: Reservation,
  span: Span = NOT_TRACED,
  answer?: StreamedAnswer,
): Promise<object> {
  const why = undecodable(request);
  if (why !== undefined)
    throw invalidArgument(`the message is not a ModelInferRequest (${clip(why, MAX_QUOTED_BYTES)})`);
  const plan = ctx.catalog.resolve(request.model_name, request.model_version);
  const started = process.hrtime.bigint();
  const requestId = request.id || randomUUID();
  const log = ctx.log.child({
    requestId,
    model: plan.name,
    version: plan.version,
    ...traceLogFields(span.spanContext()),
  });
  if (span.isRecording())
    span.setAttributes({
      'shardmesh.model': plan.name,
      'shardmesh.model_version': plan.version,
      'shardmesh.request_id': requestId,
    });
  const validation = startChildSpan('validate', span);
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
    endSpan(validation);
    const checked = process.hrtime.bigint();
    const timing: ExecutionTiming = { startedNs: checked, endedNs: checked };
    const batched = ctx.batchers?.run(plan, { requestId, inputs, requested, timing }, deadline, signal);
    const results = batched
      ? await batched
      : await executeAlone(ctx, plan, inputs, batch, timing, {
          ...ctx.execution,
          requestId,
          deadline,
          signal,
          log,
          span,
          watchLastStage: answer
            ? (gather) =>
                answer.attach(
                  gather,
                  { model_name: plan.name, model_version: plan.version, id: request.id },
                  requested,
                )
            : undefined,
        });
    const tensors = requested.map((name) => results.get(name)!);
    reservation?.resize(heldBytes(inputs, tensors));
    if (answer?.started) ctx.statistics.recordStreamed(plan.name, plan.version);
    const answered = process.hrtime.bigint();
    ctx.statistics.record(plan.name, plan.version, true, Number(answered - started), batch, {
      computeInput: Number(checked - started),
      queue: Number(timing.startedNs - checked),
      computeInfer: Number(timing.endedNs - timing.startedNs),
      computeOutput: Number(answered - timing.endedNs),
    });
    return {
      model_name: plan.name,
      model_version: plan.version,
      id: request.id,
      outputs: tensors.map((t) => ({
        name: t.name,
        datatype: t.datatype,
        shape: t.shape,
      })),
      raw_output_contents: tensors.map((t) => t.data),
    };
  } catch (error) {
    // Still open when validation itself failed; ended already (and so left alone) otherwise.
    endSpan(validation, error);
    ctx.statistics.record(plan.name, plan.version, false, Number(process.hrtime.bigint() - started));
    if (!answerable(error)) log.error({ err: error }, 'unexpected error');
    else if (error.code !== Status.INVALID_ARGUMENT) log.warn({ err: error }, 'inference failed');
    throw withRequestId(error, requestId);
  }
}

/**
 * Statuses about the request itself (its tensors, its model, its own cancellation) say all there
 * is; the others are answered with the request id to quote. An error without a status is a bug:
 * UNKNOWN with a generic message (logged above with its stack).
 */
const COMPLETE_WITHOUT_ID: ReadonlySet<Status> = new Set([
  Status.INVALID_ARGUMENT,
  Status.NOT_FOUND,
  Status.CANCELLED,
]);

/** An error whose status and details may be answered as they are (as `toStatus` decides). */
const answerable = (error: unknown): error is { code: Status; details: string } =>
  error instanceof ServiceError ||
  (isGrpcError(error) && error.code !== Status.UNKNOWN && error.code !== Status.INTERNAL);

function withRequestId(error: unknown, requestId: string): ServiceError {
  const id = `(request id ${quote(requestId)})`;
  if (!answerable(error))
    return new ServiceError(Status.UNKNOWN, `internal error; the router log has the details ${id}`, {
      cause: error,
    });
  if (error instanceof ServiceError && COMPLETE_WITHOUT_ID.has(error.code)) return error;
  const metadata = error instanceof ServiceError ? error.metadata : undefined;
  // Cut first, so the id survives the bound every status message is held to.
  const room = MAX_STATUS_DETAILS_BYTES - Buffer.byteLength(id) - 1;
  const details = COMPLETE_WITHOUT_ID.has(error.code) ? error.details : `${clip(error.details, room)} ${id}`;
  return new ServiceError(error.code, details, { cause: error, metadata });
}

/** Runs one request as its own execution, counted as one in the statistics. */
async function executeAlone(
  ctx: InferenceContext,
  plan: Plan,
  inputs: ReadonlyMap<string, Tensor>,
  batch: number,
  timing: ExecutionTiming,
  execution: ExecutionContext,
): Promise<Map<string, Tensor>> {
  timing.startedNs = process.hrtime.bigint();
  const results = await executePlan(plan, inputs, execution);
  timing.endedNs = process.hrtime.bigint();
  ctx.statistics.recordExecution(plan.name, plan.version, batch, Number(timing.endedNs - timing.startedNs));
  return results;
}
