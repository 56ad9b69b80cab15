import { randomUUID } from 'node:crypto';
import {
  status as Status,
  type sendUnaryData,
  type ServerDuplexStream,
  type ServerUnaryCall,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import type { Plan } from '../../lib/plan/schema.js';
import { ServiceError, toStatus } from '../../lib/grpc/service-error.js';
import type { Logger } from '../../lib/log.js';
import type { RoutingTable } from '../../registry/routing-table.js';
import type { ModelCatalog } from './model-catalog.js';
import type { ModelStatisticsBook } from './model-statistics.js';
import { executePlan, type ExecutionContext } from './plan-executor.js';
import { decodeInputs, encodeContents, type WireInputTensor } from './v2-tensors.js';

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

const DATA_TYPE = (datatype: string): string => `TYPE_${datatype === 'BYTES' ? 'STRING' : datatype}`;

/**
 * The Open Inference Protocol over the router. Handlers are async and throw ServiceError; `unary`
 * maps whatever they throw to one status, so a call is answered exactly once.
 */
export function inferenceService(ctx: InferenceContext): UntypedServiceImplementation {
  const unary =
    <Req, Res>(handler: (request: Req, call: ServerUnaryCall<Req, Res>) => Promise<Res> | Res) =>
    (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>): void => {
      Promise.resolve()
        .then(() => handler(call.request, call))
        .then(
          (response) => callback(null, response),
          (error: unknown) => callback(toStatus(error, (e) => ctx.log.error({ err: e }, 'unexpected error'))),
        );
    };

  async function infer(request: InferRequest, deadline: Date, signal: AbortSignal): Promise<object> {
    const plan = ctx.catalog.resolve(request.model_name, request.model_version);
    const started = process.hrtime.bigint();
    const requestId = request.id || randomUUID();
    const log = ctx.log.child({ requestId, model: plan.name, version: plan.version });
    try {
      const inputs = decodeInputs(plan, request.inputs, request.raw_input_contents);
      const requested =
        request.outputs.length > 0 ? request.outputs.map((o) => o.name) : plan.outputs.map((o) => o.name);
      for (const name of requested) {
        if (!plan.outputs.some((o) => o.name === name))
          throw new ServiceError(
            Status.INVALID_ARGUMENT,
            `output "${name}" is not an output of model "${plan.name}"`,
          );
      }
      const results = await executePlan(plan, inputs, { ...ctx.execution, requestId, deadline, signal, log });
      const tensors = requested.map((name) => results.get(name)!);
      const typed = request.raw_input_contents.length === 0;
      ctx.statistics.record(plan.name, plan.version, true, Number(process.hrtime.bigint() - started));
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

  /** The client's deadline, or the router's default; shard calls inherit it unchanged. */
  const deadlineOf = (call: { getDeadline(): Date | number }): Date => {
    const d = call.getDeadline();
    const ms = d instanceof Date ? d.getTime() : d;
    return Number.isFinite(ms) && ms > 0 ? new Date(ms) : new Date(Date.now() + ctx.defaultDeadlineMs);
  };

  const metadata = (plan: Plan): object => ({
    name: plan.name,
    versions: [plan.version],
    platform: 'shardmesh_onnx',
    inputs: plan.inputs,
    outputs: plan.outputs,
  });

  return {
    ServerLive: unary(() => ({ live: true })),
    ServerReady: unary(() => ({ ready: true })),
    ServerMetadata: unary(() => ({
      name: 'shardmesh',
      version: ctx.version,
      extensions: ['model_repository', 'statistics'],
    })),
    ModelReady: unary((r: { name: string; version: string }) => ({
      ready: modelReady(ctx.catalog.resolve(r.name, r.version), ctx.table()),
    })),
    ModelMetadata: unary((r: { name: string; version: string }) =>
      metadata(ctx.catalog.resolve(r.name, r.version)),
    ),
    ModelConfig: unary((r: { name: string; version: string }) => {
      const plan = ctx.catalog.resolve(r.name, r.version);
      // Triton leaves the batch dim out of dims when max_batch_size > 0.
      const dims = (shape: readonly number[]): number[] =>
        plan.maxBatchSize > 0 ? shape.slice(1) : [...shape];
      return {
        config: {
          name: plan.name,
          platform: 'onnxruntime_onnx',
          backend: 'onnxruntime',
          max_batch_size: plan.maxBatchSize,
          input: plan.inputs.map((t) => ({
            name: t.name,
            data_type: DATA_TYPE(t.datatype),
            dims: dims(t.shape),
          })),
          output: plan.outputs.map((t) => ({
            name: t.name,
            data_type: DATA_TYPE(t.datatype),
            dims: dims(t.shape),
          })),
        },
      };
    }),
    ModelStatistics: unary((r: { name: string; version: string }) => {
      const plans = r.name === '' ? ctx.catalog.plans : [ctx.catalog.resolve(r.name, r.version)];
      return { model_stats: ctx.statistics.snapshot(plans) };
    }),
    RepositoryIndex: unary(async (r: { ready: boolean }) => {
      await ctx.catalog.reload();
      const table = ctx.table();
      const models = ctx.catalog.plans.map((p) => ({
        name: p.name,
        version: p.version,
        state: modelReady(p, table) ? 'READY' : 'UNAVAILABLE',
        reason: modelReady(p, table) ? '' : 'a partition has no healthy replica',
      }));
      return { models: r.ready ? models.filter((m) => m.state === 'READY') : models };
    }),
    RepositoryModelLoad: unary(() => {
      throw new ServiceError(
        Status.UNIMPLEMENTED,
        'models are loaded by shards: start `shardmesh shard --serve MODEL/VERSION/STAGE/PARTITION`',
      );
    }),
    RepositoryModelUnload: unary(() => {
      throw new ServiceError(
        Status.UNIMPLEMENTED,
        'models are unloaded by stopping (SIGTERM) the shards that serve them',
      );
    }),
    ModelInfer: (call: ServerUnaryCall<InferRequest, object>, callback: sendUnaryData<object>) => {
      const abort = new AbortController();
      call.on('cancelled', () => abort.abort());
      infer(call.request, deadlineOf(call), abort.signal).then(
        (response) => callback(null, response),
        (error: unknown) => callback(toStatus(error, (e) => ctx.log.error({ err: e }, 'unexpected error'))),
      );
    },
    ModelStreamInfer: (call: ServerDuplexStream<InferRequest, object>) => {
      const abort = new AbortController();
      call.on('cancelled', () => abort.abort());
      const open = new Set<Promise<void>>();
      // Triton's form: each request gets one response message, in completion order, matched by id;
      // a failed request answers with `error_message` and the stream carries on.
      call.on('data', (request: InferRequest) => {
        const done = infer(request, deadlineOf(call), abort.signal).then(
          (response) => void call.write({ error_message: '', infer_response: response }),
          (error: unknown) => {
            const status = toStatus(error, (e) => ctx.log.error({ err: e }, 'unexpected error'));
            call.write({
              error_message: `${Status[status.code]}: ${status.details}`,
              infer_response: { id: request.id, model_name: request.model_name },
            });
          },
        );
        open.add(done);
        void done.finally(() => open.delete(done));
      });
      call.on('end', () => void Promise.allSettled([...open]).then(() => call.end()));
    },
  };
}
