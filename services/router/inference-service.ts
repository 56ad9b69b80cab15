import {
  status as Status,
  type sendUnaryData,
  type ServerDuplexStream,
  type handleUnaryCall,
  type ServerUnaryCall,
  type UntypedHandleCall,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import type { ByteBudget, Reservation } from '../../lib/byte-budget.js';
import { undecodable } from '../../lib/grpc/v2-codec.js';
import type { Plan } from '../../lib/plan/schema.js';
import { toStatus } from '../../lib/grpc/service-error.js';
import type { ModelRepository } from '../../registry/model-repository.js';
import type { AccessControl, CallScope } from './access/access-control.js';
import { guardStream, guardUnary } from './access/guarded-calls.js';
import type { ModelCatalog } from './model-catalog.js';
import { setDesiredState } from './desired-state.js';
import { streamedMessagesSupported } from '../../lib/grpc/streamed-message.js';
import { StreamedAnswer } from './streamed-answer.js';
import { modelReady, runInference, type InferenceContext, type InferRequest } from './model-infer.js';
import { clientTraceContext, requestSpan } from './request-span.js';
import { endSpan } from '../../lib/telemetry/spans.js';

/** `version` of model `name`, or every version when it is empty; NOT_FOUND for an unknown one. */
function versionsOf(catalog: ModelCatalog, name: string, version: string): readonly Plan[] {
  const resolved = catalog.resolve(name, version, { evenUnloaded: true });
  return version === '' ? catalog.plans.filter((p) => p.name === resolved.name) : [resolved];
}

/** Extensions served in full, by Triton's names. */
export const EXTENSIONS: readonly string[] = ['model_configuration', 'model_repository', 'statistics'];

/**
 * What ModelMetadata and ModelConfig both report, as Triton does for an ONNX model: every
 * partition runs in ONNX Runtime, and clients (perf_analyzer, Triton's examples, KServe tooling)
 * read `platform` and `backend` to decide how to treat a model, knowing Triton's names only.
 */
export const PLATFORM = 'onnxruntime_onnx';
export const BACKEND = 'onnxruntime';

const DATA_TYPE = (datatype: string): string => `TYPE_${datatype === 'BYTES' ? 'STRING' : datatype}`;

/** A call's cancellation: `signal` aborts when the client cancels while the call is still open. */
export interface Cancellation {
  readonly signal: AbortSignal;
  /** The call is answered: a later `cancelled` event is the stream closing, not the client. */
  close(): void;
}

/**
 * grpc-js emits `cancelled` on a server call whenever its stream closes, also after a call that
 * was answered normally; aborting then would build a DOMException (and run every abort listener)
 * on every request for nothing. So only a `cancelled` before the answer aborts: a client cancel,
 * a dropped connection, or grpc-js's own deadline timer.
 */
export function cancellationOf(call: NodeJS.EventEmitter): Cancellation {
  const abort = new AbortController();
  const onCancelled = (): void => abort.abort();
  call.once('cancelled', onCancelled);
  return {
    signal: abort.signal,
    close: () => void call.removeListener('cancelled', onCancelled),
  };
}

export interface InferenceServiceContext extends InferenceContext {
  /** The router's in-flight byte budget; without it requests are not counted. */
  readonly budget?: ByteBudget;
  /** Authentication, authorization and quotas, run before each call does any work; without it, none. */
  readonly access?: AccessControl;
  /** Where RepositoryModelLoad/Unload record a model's desired state. */
  readonly repository: Pick<ModelRepository, 'setDesired'>;
}

type ModelRequest = { name: string; version: string };
const about = (verb: 'metadata' | 'statistics') => (r: ModelRequest) => ({ verb, model: r });
/**
 * An undecodable message names no model and does no work (the handler refuses it with
 * INVALID_ARGUMENT or an `error_message`): authentication only, so its refusal says what is wrong.
 */
const inferScope = (r: InferRequest): CallScope =>
  undecodable(r) !== undefined
    ? {}
    : {
        verb: 'infer',
        model: { name: r.model_name, version: r.model_version },
        requestBytes: r.raw_input_contents.reduce((sum, b) => sum + b.length, 0),
        requestId: r.id,
      };
/** Each RPC's verb and model (principal.ts); the server-wide calls need authentication only. */
const SCOPES: Record<string, (request: never) => CallScope> = {
  ServerLive: () => ({}),
  ServerReady: () => ({}),
  ServerMetadata: () => ({}),
  ModelReady: about('metadata'),
  ModelMetadata: about('metadata'),
  ModelConfig: about('metadata'),
  ModelStatistics: about('statistics'),
  RepositoryIndex: () => ({ verb: 'admin' }),
  RepositoryModelLoad: (r: { model_name: string }) => ({
    verb: 'admin',
    model: { name: r.model_name, version: '' },
  }),
  RepositoryModelUnload: (r: { model_name: string }) => ({
    verb: 'admin',
    model: { name: r.model_name, version: '' },
  }),
  ModelInfer: inferScope,
};

/**
 * A unary call's share of the byte budget, released when grpc-js reports the call over: its
 * `cancelled` event comes once the trailers are sent, which HTTP/2 does only after the last DATA
 * frame of the response has gone out within the client's flow-control window, or once the stream
 * closed (the client went away). So a client that does not read keeps its bytes held, and later
 * requests are refused instead of the router buffering without limit.
 */
function heldUntilCallEnds(
  call: NodeJS.EventEmitter,
  budget: ByteBudget | undefined,
): Reservation | undefined {
  const held = budget?.open();
  if (held) call.once('cancelled', () => held.release());
  return held;
}

/**
 * The Open Inference Protocol over the router. Handlers are async and throw ServiceError; `unary`
 * maps whatever they throw to one status, so a call is answered exactly once.
 */
export function inferenceService(ctx: InferenceServiceContext): UntypedServiceImplementation {
  const handlers = unguardedService(ctx);
  const access = ctx.access;
  if (access === undefined) return handlers;
  const onUnexpected = (e: unknown): void => ctx.log.error({ err: e }, 'unexpected error');
  for (const [name, scopeOf] of Object.entries(SCOPES))
    handlers[name] = guardUnary(
      access,
      scopeOf as (request: unknown) => CallScope,
      handlers[name] as handleUnaryCall<unknown, unknown>,
      onUnexpected,
    ) as UntypedHandleCall;
  return handlers;
}

function unguardedService(ctx: InferenceServiceContext): UntypedServiceImplementation {
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

  /** The client's deadline, or the router's default; shard calls inherit it unchanged. */
  const deadlineOf = (call: { getDeadline(): Date | number }): Date => {
    const d = call.getDeadline();
    const ms = d instanceof Date ? d.getTime() : d;
    return Number.isFinite(ms) && ms > 0 ? new Date(ms) : new Date(Date.now() + ctx.defaultDeadlineMs);
  };

  // Triton's ModelMetadata keeps the batch dim in each shape, as -1, when max_batch_size > 0.
  const withBatch = (plan: Plan, t: Plan['inputs'][number]): object =>
    plan.maxBatchSize > 0 ? { ...t, shape: [-1, ...t.shape.slice(1)] } : t;
  const metadata = (plan: Plan): object => ({
    name: plan.name,
    versions: [plan.version],
    platform: PLATFORM,
    inputs: plan.inputs.map((t) => withBatch(plan, t)),
    outputs: plan.outputs.map((t) => withBatch(plan, t)),
  });

  return {
    ServerLive: unary(() => ({ live: true })),
    // Ready means ready to serve inferences: at least one model can run, every partition of it
    // having a replica in the routing table. Before the registry first answers the table is empty,
    // so a router that cannot see its shards is not ready; one that lost the registry keeps its
    // last table and stays ready, as it keeps serving. Live only says the process answers.
    ServerReady: unary(() => ({
      ready: ctx.catalog.loadedPlans.some((plan) => modelReady(plan, ctx.table())),
    })),
    ServerMetadata: unary(() => ({
      name: 'shardmesh',
      version: ctx.version,
      extensions: [...EXTENSIONS],
    })),
    ModelReady: unary((r: { name: string; version: string }) => {
      const plan = ctx.catalog.resolve(r.name, r.version, { evenUnloaded: true });
      return { ready: ctx.catalog.loadedPlans.includes(plan) && modelReady(plan, ctx.table()) };
    }),
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
          platform: PLATFORM,
          backend: BACKEND,
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
          ...(plan.dynamicBatching
            ? {
                dynamic_batching: {
                  preferred_batch_size: plan.dynamicBatching.preferredBatchSizes,
                  max_queue_delay_microseconds: plan.dynamicBatching.maxQueueDelayMicroseconds,
                },
              }
            : {}),
        },
      };
    }),
    ModelStatistics: unary((r: { name: string; version: string }) => {
      // An empty name means every model, an empty version every version (the proto's contract).
      const plans = r.name === '' ? ctx.catalog.plans : versionsOf(ctx.catalog, r.name, r.version);
      return { model_stats: ctx.statistics.snapshot(plans) };
    }),
    RepositoryIndex: unary((r: { ready: boolean }) => {
      const models = ctx.catalog.index();
      return { models: r.ready ? models.filter((m) => m.state === 'READY') : models };
    }),
    RepositoryModelLoad: unary(async (r: { model_name: string }) => {
      await setDesiredState(ctx, r.model_name, { state: 'LOADED' });
      return {};
    }),
    RepositoryModelUnload: unary(async (r: { model_name: string }) => {
      await setDesiredState(ctx, r.model_name, {
        state: 'UNLOADED',
        reason: 'unloaded through RepositoryModelUnload',
      });
      return {};
    }),
    ModelInfer: (call: ServerUnaryCall<InferRequest, object>, callback: sendUnaryData<object>) => {
      const cancel = cancellationOf(call);
      const held = heldUntilCallEnds(call, ctx.budget);
      const span = requestSpan('ModelInfer', clientTraceContext(call.metadata));
      // A large answer may leave while the shards still send it; from then on, its end is the answer's.
      const answer = streamedMessagesSupported()
        ? new StreamedAnswer((message) => callback(null, message))
        : undefined;
      runInference(ctx, call.request, deadlineOf(call), cancel.signal, held, span, answer).then(
        (response) => {
          cancel.close();
          endSpan(span);
          if (answer?.started) answer.finish();
          else callback(null, response);
        },
        (error: unknown) => {
          cancel.close();
          endSpan(span, error);
          const status = toStatus(error, (e) => ctx.log.error({ err: e }, 'unexpected error'));
          if (answer?.started) answer.fail(status);
          else callback(status);
        },
      );
    },
    ModelStreamInfer: (call: ServerDuplexStream<InferRequest, object>) => {
      const onUnexpected = (e: unknown): void => ctx.log.error({ err: e }, 'unexpected error');
      const check = ctx.access && guardStream(ctx.access, call, inferScope, onUnexpected);
      const cancel = cancellationOf(call);
      // Every message of the stream belongs to the trace the stream's metadata names, if any.
      const parent = clientTraceContext(call.metadata);
      const open = new Set<Promise<void>>();
      // Each request's budget share is held until grpc-js has written its response (the write
      // callback comes once HTTP/2 took the last byte, within the client's window), or until the
      // stream ends: a write that never completes never calls back.
      const held = new Set<Reservation>();
      call.once('cancelled', () => {
        for (const r of held) r.release();
        held.clear();
      });
      // Triton's form: each request gets one response message, in completion order, matched by id;
      // a failed request answers with `error_message` and the stream carries on.
      call.on('data', (request: InferRequest) => {
        const reservation = ctx.budget?.open();
        if (reservation) held.add(reservation);
        const written = (): void => {
          reservation?.release();
          if (reservation) held.delete(reservation);
        };
        const span = requestSpan('ModelStreamInfer', parent);
        const infer = (): Promise<object> =>
          runInference(ctx, request, deadlineOf(call), cancel.signal, reservation, span);
        const run = check ? check(request).then((release) => infer().finally(release)) : infer();
        const done = run.then(
          (response) => {
            endSpan(span);
            call.write({ error_message: '', infer_response: response }, written);
          },
          (error: unknown) => {
            endSpan(span, error);
            const status = toStatus(error, onUnexpected);
            written();
            if (call.writableEnded) return; // The stream failed authentication and is closed.
            call.write({
              error_message: `${Status[status.code]}: ${status.details}`,
              infer_response: { id: request.id, model_name: request.model_name },
            });
          },
        );
        open.add(done);
        void done.finally(() => open.delete(done));
      });
      call.on(
        'end',
        () =>
          void Promise.allSettled([...open]).then(() => {
            cancel.close();
            call.end();
          }),
      );
    },
  };
}
