import { status as Status, type ServerDuplexStream } from '@grpc/grpc-js';
import type { Logger } from '../../lib/log.js';
import { ChunkAssembler, chunkRanges } from '../../lib/tensor/chunks.js';
import { mismatch } from '../../lib/tensor/conform.js';
import { byteSize, type Tensor, type TensorSpec } from '../../lib/tensor/tensor.js';
import { invalidArgument, ServiceError, toStatus } from '../../lib/grpc/service-error.js';
import {
  specFromWire,
  specToWire,
  type ShardRequestMessage,
  type ShardResponseMessage,
  type WireInferHeader,
} from '../../lib/grpc/shard-messages.js';
import type { ModelRunner } from './model-runner.js';
import { partitionKey } from './partition-catalog.js';

export type InferStream = ServerDuplexStream<ShardRequestMessage, ShardResponseMessage>;

export interface InferCallContext {
  readonly runner: (key: string) => ModelRunner | undefined;
  readonly chunkBytes: number;
  readonly instanceId: string;
  readonly log: Logger;
  /**
   * Aborts when the shard stops waiting for its calls (the drain timeout passed): a call still
   * open then ends at once, with the abort's reason (a ServiceError) as its status.
   */
  readonly stop?: AbortSignal;
}

/** Why a call ended before the shard sent its outputs, as the `reason` of its log line. */
export type EarlyEndReason = 'deadline' | 'cancelled';

/**
 * A cancellation this close to the call's deadline counts as the deadline: the router's own
 * deadline timer fires at the same instant as the shard's, and its RST_STREAM can arrive first.
 */
const DEADLINE_SLACK_MS = 50;

function earlyEndReason(deadlineMs: number): EarlyEndReason {
  return Number.isFinite(deadlineMs) && Date.now() >= deadlineMs - DEADLINE_SLACK_MS
    ? 'deadline'
    : 'cancelled';
}

function deadlineMsOf(call: InferStream): number {
  const d = call.getDeadline();
  return d instanceof Date ? d.getTime() : d;
}

/** A request's inputs while their chunks arrive. */
class PendingRequest {
  readonly specs: TensorSpec[];
  readonly assemblers: ChunkAssembler[];
  readonly receivedAtNs = process.hrtime.bigint();

  constructor(
    readonly header: WireInferHeader,
    readonly runner: ModelRunner,
  ) {
    this.specs = header.inputs.map((s, i) => specFromWire(s, `input ${i} "${s.name}"`));
    const names = new Set(this.specs.map((s) => s.name));
    for (const declared of runner.inputs) {
      const given = this.specs.find((s) => s.name === declared.name);
      if (!given) throw invalidArgument(`input "${declared.name}" is missing`);
      const why = mismatch(given, declared);
      if (why) throw invalidArgument(why);
    }
    if (names.size !== this.specs.length || this.specs.length !== runner.inputs.length) {
      throw invalidArgument(
        `inputs [${[...names]}] given, the partition takes [${runner.inputs.map((s) => s.name)}]`,
      );
    }
    this.assemblers = this.specs.map((s) => new ChunkAssembler(byteSize(s)));
  }

  accept(tensor: number, offset: number, data: Buffer): void {
    const assembler = this.assemblers[tensor];
    if (!assembler)
      throw invalidArgument(`chunk for tensor ${tensor}, but the header declared ${this.specs.length}`);
    const problem = assembler.accept(offset, data);
    if (problem) throw invalidArgument(`input "${this.specs[tensor]!.name}": ${problem}`);
  }

  tensors(): Tensor[] {
    return this.specs.map((spec, i) => {
      if (!this.assemblers[i]!.complete)
        throw invalidArgument(`input "${spec.name}": the stream ended before all its bytes arrived`);
      return { ...spec, data: this.assemblers[i]!.data };
    });
  }
}

/** Writes a message, waiting when grpc-js's buffer is full so a large output never piles up in memory. */
function write(call: InferStream, message: ShardResponseMessage): Promise<void> {
  return new Promise((resolve) => (call.write(message) ? resolve() : call.once('drain', resolve)));
}

/**
 * Serves one `Shard.Infer` call: collect the header and chunks, run at half-close, stream outputs.
 * Exactly one terminal action happens: `call.end()` after the trailer, or one error status. When
 * the call ends first (its deadline, the router cancelling, the drain timeout), the run's signal
 * aborts, nothing more is sent, and one `shard infer ended early` line says why and in which phase.
 * Resolves once the call has ended, whatever the outcome.
 */
export function serveInferCall(call: InferStream, context: InferCallContext): Promise<void> {
  let pending: PendingRequest | undefined;
  let finished = false;
  let phase: 'receiving' | 'running' | 'sending' = 'receiving';
  // Aborted when the call ends before its outputs are sent: the runner may stop, writes stop.
  const work = new AbortController();
  // Every line about a request carries the router's request id and the partition, once the
  // header has named them.
  const log = (): Logger =>
    pending
      ? context.log.child({ requestId: pending.header.request_id, partition: partitionKey(pending.header) })
      : context.log;
  const fail = (error: unknown): void => {
    if (finished) return;
    finished = true;
    work.abort();
    const status = toStatus(error, (e) => log().error({ err: e }, 'shard infer failed'));
    if (status.code !== Status.UNKNOWN)
      log().info({ code: Status[status.code], details: status.details }, 'shard infer refused');
    call.emit('error', status);
  };

  return new Promise<void>((resolveCall) => {
    const onStop = (): void => {
      if (finished) return;
      log().warn({ phase }, 'shard infer ended early: the drain timeout passed');
      fail(context.stop!.reason);
    };
    const resolve = (): void => {
      context.stop?.removeEventListener('abort', onStop);
      resolveCall();
    };
    if (context.stop?.aborted) return onStop();
    context.stop?.addEventListener('abort', onStop, { once: true });
    // grpc-js emits `cancelled` after every call's end, our own included; only one before is news.
    call.on('cancelled', () => {
      if (!finished) {
        finished = true;
        const deadlineMs = deadlineMsOf(call);
        log().info(
          {
            reason: earlyEndReason(deadlineMs),
            phase,
            deadline: Number.isFinite(deadlineMs) ? new Date(deadlineMs).toISOString() : null,
          },
          'shard infer ended early',
        );
        work.abort();
      }
      resolve();
    });
    call.on('error', () => resolve());
    call.on('data', (message: ShardRequestMessage) => {
      if (finished) return;
      try {
        if (message.kind === 'header') {
          if (pending) throw invalidArgument('a second header arrived; send one header per call');
          const key = partitionKey(message.header);
          const runner = context.runner(key);
          if (!runner) throw new ServiceError(Status.NOT_FOUND, `this shard does not serve partition ${key}`);
          pending = new PendingRequest(message.header, runner);
        } else {
          if (!pending) throw invalidArgument('a chunk arrived before the header');
          pending.accept(message.chunk.tensor, Number(message.chunk.offset), message.chunk.data);
        }
      } catch (error) {
        fail(error);
      }
    });
    call.on('end', () => {
      if (finished) return resolve();
      if (!pending) {
        fail(invalidArgument('the stream ended without a header'));
        return resolve();
      }
      respond(call, pending, context).then(
        () => {
          finished = true;
          resolve();
        },
        (error: unknown) => {
          fail(error);
          resolve();
        },
      );
    });
  });

  async function respond(call: InferStream, request: PendingRequest, ctx: InferCallContext): Promise<void> {
    const inputs = request.tensors();
    phase = 'running';
    log().debug('shard infer running');
    const startNs = process.hrtime.bigint();
    const ranMs = (): number => Number((process.hrtime.bigint() - startNs) / 1_000_000n);
    let outputs: Tensor[];
    try {
      outputs = await request.runner.run(inputs, work.signal);
    } catch (error) {
      if (!work.signal.aborted) throw error;
      log().info({ ranMs: ranMs() }, 'partition run stopped: its call had ended');
      return;
    }
    const doneNs = process.hrtime.bigint();
    if (work.signal.aborted) {
      log().info({ ranMs: ranMs() }, 'partition run finished after its call had ended; outputs dropped');
      return;
    }
    phase = 'sending';
    await write(call, { kind: 'header', header: { outputs: outputs.map(specToWire) } });
    for (const [tensor, output] of outputs.entries()) {
      for (const [offset, bytes] of chunkRanges(output.data.length, output.datatype, ctx.chunkBytes)) {
        if (work.signal.aborted) return;
        await write(call, {
          kind: 'chunk',
          chunk: { tensor, offset, data: output.data.subarray(offset, offset + bytes) },
        });
      }
    }
    if (work.signal.aborted) return;
    const receiveUs = Number((startNs - request.receivedAtNs) / 1000n);
    const computeUs = Number((doneNs - startNs) / 1000n);
    await write(call, {
      kind: 'trailer',
      trailer: { receive_us: receiveUs, compute_us: computeUs, instance_id: ctx.instanceId },
    });
    finished = true;
    call.end();
    log().debug({ receiveUs, computeUs }, 'shard infer done');
  }
}
