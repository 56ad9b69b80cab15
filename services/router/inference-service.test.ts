import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, test } from 'node:test';
import {
  Metadata,
  status as Status,
  type ServerUnaryCall,
  type ServiceError as GrpcError,
} from '@grpc/grpc-js';
import { pino } from 'pino';
import { ByteBudget } from '../../lib/byte-budget.js';
import { ServiceError } from '../../lib/grpc/service-error.js';
import type { Plan } from '../../lib/plan/schema.js';
import type { ShardInstance } from '../../registry/registry.js';
import { systemClock } from './clock.js';
import { cancellationOf, inferenceService } from './inference-service.js';
import type { ModelCatalog } from './model-catalog.js';
import type { InferRequest } from './model-infer.js';
import { ModelStatisticsBook } from './model-statistics.js';
import type { PartitionCall } from './partition-call.js';
import { ReplicaPicker } from './replica-picker.js';
import { RetryBudget } from './retry-budget.js';
import { RetryPolicy } from './retry-policy.js';
import { buildRoutingTable } from './routing-table.js';

const plan: Plan = {
  name: 'm',
  version: '1',
  inputs: [{ name: 'x', datatype: 'FP32', shape: [2] }],
  outputs: [{ name: 'y', datatype: 'FP32', shape: [2] }],
  maxBatchSize: 0,
  stages: [
    {
      name: 'main',
      partitions: [{ file: 'p0.onnx' }],
      inputs: [{ name: 'x', scatter: { kind: 'replicate' } }],
      outputs: [{ name: 'y', gather: { kind: 'concat', axis: 0 } }],
    },
  ],
};

const replica: ShardInstance = {
  id: 'a',
  address: '127.0.0.1',
  port: 7000,
  model: 'm',
  version: '1',
  stage: 'main',
  partition: 0,
  partitionCount: 1,
  identity: 'spiffe://shardmesh.test/shard/a',
};

/**
 * The service over a shard that echoes x as y, or, with `hang`, answers only when the call's signal
 * aborts (with CANCELLED, as the real caller does), or, given an error, fails with it. `signals`
 * records what each shard call got.
 */
function service(hang: boolean | Error = false, budget?: ByteBudget) {
  const signals: AbortSignal[] = [];
  const table = buildRoutingTable([replica]);
  const call = (
    c: PartitionCall,
  ): Promise<{ receive_us: number; compute_us: number; instance_id: string }> => {
    signals.push(c.signal);
    if (hang instanceof Error) return Promise.reject(hang);
    if (hang)
      return new Promise((_, reject) =>
        c.signal.addEventListener('abort', () =>
          reject(new ServiceError(Status.CANCELLED, 'the client cancelled the request')),
        ),
      );
    c.sink.header([{ name: 'y', datatype: 'FP32', shape: [2] }]);
    c.sink.chunk(0, 0, c.inputs[0]!.data);
    return Promise.resolve({ receive_us: 0, compute_us: 0, instance_id: 'a' });
  };
  const implementation = inferenceService({
    catalog: { plans: [plan], loadedPlans: [plan], resolve: () => plan } as unknown as ModelCatalog,
    repository: { setDesired: () => Promise.resolve() },
    table: () => table,
    statistics: new ModelStatisticsBook(),
    execution: {
      table: () => table,
      picker: new ReplicaPicker(),
      call,
      retry: new RetryPolicy(
        { maxAttempts: 1, initialBackoffMs: 1, maxBackoffMs: 1, backoffMultiplier: 2 },
        new RetryBudget(10, 1),
      ),
      clock: systemClock,
      chunkBytes: 1 << 20,
    },
    defaultDeadlineMs: 10_000,
    budget,
    log: pino({ level: 'silent' }),
    version: 'test',
  });
  return { implementation, signals };
}

/** A unary call as grpc-js hands it to a handler: an emitter with the request and a deadline. */
function unaryCall(): ServerUnaryCall<InferRequest, object> & EventEmitter {
  const request: InferRequest = {
    model_name: 'm',
    model_version: '',
    id: 'r1',
    inputs: [{ name: 'x', datatype: 'FP32', shape: [2] }],
    outputs: [],
    raw_input_contents: [Buffer.from(new Float32Array([1, 2]).buffer)],
  };
  return Object.assign(new EventEmitter(), { request, getDeadline: () => Infinity }) as never;
}

function modelInfer(
  implementation: ReturnType<typeof service>['implementation'],
  call: ServerUnaryCall<InferRequest, object>,
): Promise<{ error: GrpcError | null; response: unknown }> {
  const handler = implementation['ModelInfer'] as (
    call: ServerUnaryCall<InferRequest, object>,
    callback: (error: GrpcError | null, response?: unknown) => void,
  ) => void;
  return new Promise((resolve) => handler(call, (error, response) => resolve({ error, response })));
}

void describe('ModelInfer cancellation', () => {
  test('a call answered normally is not aborted when grpc-js then emits cancelled', async () => {
    const { implementation, signals } = service();
    const call = unaryCall();
    const { error, response } = await modelInfer(implementation, call);
    assert.equal(error, null);
    assert.deepEqual((response as { raw_output_contents: Buffer[] }).raw_output_contents, [
      Buffer.from(new Float32Array([1, 2]).buffer),
    ]);
    // The shard call's signal is the stage's; what must not abort is the request's, whose only
    // trigger is the `cancelled` listener: it must be gone once the call is answered.
    assert.equal(call.listenerCount('cancelled'), 0, 'the handler stops listening once it answered');
    call.emit('cancelled');
    assert.equal(signals.length, 1);
    assert.equal(signals[0]!.aborted, false);
  });

  test('a client cancel while the call is open aborts the shard call and answers CANCELLED', async () => {
    const { implementation, signals } = service(true);
    const call = unaryCall();
    const answered = modelInfer(implementation, call);
    while (signals.length === 0) await new Promise((r) => setImmediate(r));
    call.emit('cancelled');
    const { error } = await answered;
    assert.equal(signals[0]!.aborted, true);
    assert.equal(error?.code, Status.CANCELLED);
  });
});

void describe('cancellationOf', () => {
  test('cancelled before close aborts; after close it does not', () => {
    const open = new EventEmitter();
    const early = cancellationOf(open);
    open.emit('cancelled');
    assert.equal(early.signal.aborted, true);
    const answered = new EventEmitter();
    const late = cancellationOf(answered);
    late.close();
    answered.emit('cancelled');
    assert.equal(late.signal.aborted, false);
  });
});

void describe("the router's in-flight byte budget", () => {
  // A request of model m holds 8 input bytes and 8 output bytes.
  test('a unary call holds its bytes until grpc-js reports the call over, not when it is answered', async () => {
    const budget = new ByteBudget(16, 'router');
    const { implementation } = service(false, budget);
    const call = unaryCall();
    const { error } = await modelInfer(implementation, call);
    assert.equal(error, null);
    assert.equal(budget.inUseBytes, 16, 'held while the response is being written');
    const refused = await modelInfer(implementation, unaryCall());
    assert.equal(refused.error?.code, Status.RESOURCE_EXHAUSTED);
    assert.match(refused.error.details, /router's in-flight byte budget is full/);
    call.emit('cancelled');
    assert.equal(budget.inUseBytes, 0);
  });

  test('a request that does not fit is refused before any shard is called', async () => {
    const budget = new ByteBudget(15, 'router');
    const { implementation, signals } = service(false, budget);
    const call = unaryCall();
    const { error } = await modelInfer(implementation, call);
    assert.equal(error?.code, Status.RESOURCE_EXHAUSTED);
    assert.equal(signals.length, 0);
    call.emit('cancelled');
    assert.equal(budget.inUseBytes, 0);
  });

  test("ModelStreamInfer holds each response's bytes until its write completes, or the stream ends", async () => {
    const budget = new ByteBudget(1000, 'router');
    const { implementation } = service(false, budget);
    const writes: (() => void)[] = [];
    const stream = Object.assign(new EventEmitter(), {
      getDeadline: () => Infinity,
      write: (_: unknown, done?: () => void) => void writes.push(done ?? (() => undefined)),
      end: () => undefined,
    });
    (implementation['ModelStreamInfer'] as (call: unknown) => void)(stream);
    for (const id of ['a', 'b']) stream.emit('data', { ...unaryCall().request, id });
    while (writes.length < 2) await new Promise((r) => setImmediate(r));
    assert.equal(budget.inUseBytes, 32);
    writes[0]!();
    assert.equal(budget.inUseBytes, 16, 'a written response gives its bytes back');
    stream.emit('cancelled');
    assert.equal(budget.inUseBytes, 0, 'the stream ended: every held response gives its bytes back');
  });
});

void describe('what a failed inference tells the client', () => {
  const internal = /127\.0\.0\.1|:7000|shard-0-4f2a|spiffe:|\/opt\//;

  test("a shard's failure is answered with its code and the request id, not the shard's words", async () => {
    const failure = Object.assign(new Error('UNAVAILABLE: shard-0-4f2a at 127.0.0.1:7000 is draining'), {
      code: Status.UNAVAILABLE,
      details: 'shard shard-0-4f2a (spiffe://shardmesh.test/shard/a, 127.0.0.1:7000) is draining',
      metadata: new Metadata(),
    });
    const { error } = await modelInfer(service(failure).implementation, unaryCall());
    assert.equal(error?.code, Status.UNAVAILABLE);
    assert.match(error.details, /partition 0: gave up after 1 attempt\(s\).* \(request id "r1"\)$/);
    assert.doesNotMatch(error.details, internal);
  });

  test('an error without a status (a bug) is UNKNOWN with a generic message and the request id', async () => {
    const bug = new TypeError('cannot read /opt/models/m.onnx from 127.0.0.1:7000');
    const { error } = await modelInfer(service(bug).implementation, unaryCall());
    assert.equal(error?.code, Status.UNKNOWN);
    assert.equal(error.details, 'internal error; the router log has the details (request id "r1")');
  });
});
