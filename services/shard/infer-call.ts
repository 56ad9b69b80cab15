import { status as Status } from '@grpc/grpc-js';
import type { ByteBudget, Reservation } from '../../lib/byte-budget.js';
import type { Logger } from '../../lib/log.js';
import { byteSize, type Tensor } from '../../lib/tensor/tensor.js';
import { invalidArgument, ServiceError, toStatus } from '../../lib/grpc/service-error.js';
import {
  callWrites,
  specToWire,
  type ShardResponseKind,
  type WireChunk,
  type WireInferHeader,
} from '../../lib/grpc/shard-messages.js';
import type { ModelRunner } from './model-runner.js';
import { partitionKey } from './partition-catalog.js';
import type { PartitionCallObserver } from './shard-metrics.js';
import { endSpan, SpanKind, type Span } from '../../lib/telemetry/spans.js';
import { CallSpans } from './call-spans.js';
import { PendingInputs } from './pending-inputs.js';

export interface InferCallContext {
  readonly runner: (key: string) => ModelRunner | undefined;
  readonly chunkBytes: number;
  readonly instanceId: string;
  readonly log: Logger;
  /**
   * The shard's in-flight byte budget: a call holds its inputs' bytes and its outputs' expected
   * bytes from its header until it ends (and its run, if still going, has finished).
   */
  readonly budget?: ByteBudget;
  /** The observer of a partition key's calls (metrics); absent: nothing is counted. */
  readonly observe?: (key: string) => PartitionCallObserver;
}

/**
 * Sends messages of this call on its stream, in one write where they can go together; resolves
 * when the stream can take more.
 */
export type SendToRouter = (...messages: ShardResponseKind[]) => Promise<void>;

/** Why a call ended before the shard sent its outputs, as the `reason` of its log line. */
export type EarlyEndReason = 'deadline' | 'cancelled';

/**
 * A cancellation this close to the call's deadline counts as the deadline: the router's own
 * deadline timer fires at the same instant as the shard's, and its cancel can arrive first.
 */
const DEADLINE_SLACK_MS = 50;

type Phase = 'receiving' | 'running' | 'sending';

/**
 * One call on a shared `Shard.Infer` stream (see `shard.proto`): built from its header, fed its
 * chunks, run as soon as the last input byte arrives, its outputs streamed back through `send`.
 * Exactly one end happens: the trailer, one in-band error, or the router's cancel (after which
 * nothing is sent). When the call ends before its outputs are sent (its deadline, a cancel, the
 * stream going away, the drain timeout), the run's signal aborts and one `shard infer ended
 * early` line says why and in which phase. `ended` resolves once the call has ended, whatever
 * the outcome. Each phase has its span ("shard receive", "onnxruntime run", "shard send":
 * call-spans.ts), ended with the call's error when the call ends in it.
 */
export class InferCall {
  readonly ended: Promise<void>;
  #resolveEnded!: () => void;
  #finished = false;
  #phase: Phase = 'receiving';
  #inputs: PendingInputs | undefined;
  #runner: ModelRunner | undefined;
  #timer: NodeJS.Timeout | undefined;
  #held: Reservation | undefined;
  #running = false;
  /** Set when the call ends before its outputs are sent: its run's outputs are dropped. */
  #endedEarly = false;
  /** Aborts the run of a runner that `stopsEarly` when the call ends early; made only for one. */
  #work: AbortController | undefined;
  readonly #deadlineMs: number;
  readonly #receivedAtNs = process.hrtime.bigint();
  readonly #key: string;
  #logger: Logger | undefined;
  readonly #observer: PartitionCallObserver | undefined;
  readonly #spans: CallSpans;
  /** The span of the phase the call is in. */
  #span: Span;

  constructor(
    readonly header: WireInferHeader,
    private readonly context: InferCallContext,
    private readonly send: SendToRouter,
  ) {
    this.ended = new Promise((resolve) => (this.#resolveEnded = resolve));
    const key = (this.#key = partitionKey(header));
    this.#spans = CallSpans.of(header);
    this.#span = this.#spans.start('shard receive', SpanKind.SERVER);
    if (this.#span.isRecording())
      this.#span.setAttributes({
        'shardmesh.request_id': header.request_id,
        'shardmesh.partition_key': key,
        'shardmesh.instance': context.instanceId,
      });
    this.#observer = context.observe?.(key);
    this.#observer?.opened();
    const timeoutUs = header.timeout_us ?? 0;
    this.#deadlineMs = timeoutUs > 0 ? Date.now() + timeoutUs / 1000 : Infinity;
    try {
      const runner = context.runner(key);
      if (!runner) throw new ServiceError(Status.NOT_FOUND, `this shard does not serve partition ${key}`);
      this.#inputs = new PendingInputs(header, runner);
      // Reserved before any chunk is kept: a call over the budget is refused from its header.
      this.#held = context.budget?.open();
      this.#held?.grow(
        this.#inputs.specs.reduce((n, s) => n + byteSize(s), 0) +
          (runner.outputBytes?.(this.#inputs.specs) ?? 0),
      );
      if (timeoutUs > 0) {
        this.#timer = setTimeout(() => this.#deadlinePassed(), timeoutUs / 1000);
        this.#timer.unref();
      }
      this.#runner = runner;
      if (this.#inputs.complete) this.#start(runner);
    } catch (error) {
      this.fail(error);
    }
    // Chunks sent inside the header count as if they had come right after it (shard.proto).
    for (const chunk of header.chunks ?? []) this.chunk(chunk);
  }

  get finished(): boolean {
    return this.#finished;
  }

  /**
   * The call's logger: every line about a request carries the router's request id, the partition
   * and its trace. Made at the call's first line: most calls log none at the default level, and a
   * child logger encodes its fields as it is made.
   */
  get #log(): Logger {
    return (this.#logger ??= this.context.log.child({
      requestId: this.header.request_id,
      partition: this.#key,
      ...this.#spans.logFields(),
    }));
  }

  /** A debug line; nothing is made (not even the call's logger) at the default level. */
  #debug(message: string, fields?: object): void {
    if (this.context.log.isLevelEnabled('debug')) this.#log.debug(fields ?? {}, message);
  }

  chunk(chunk: WireChunk): void {
    if (this.#finished) return;
    try {
      if (this.#phase !== 'receiving')
        throw invalidArgument('a chunk arrived after every input byte had; chunks cover each tensor once');
      this.#inputs!.accept(chunk.tensor, chunk.offset, chunk.data);
      if (this.#inputs!.complete) this.#start(this.#runner!);
    } catch (error) {
      this.fail(error);
    }
  }

  /** The router gave the call up: CANCELLED or DEADLINE_EXCEEDED. Nothing more is sent. */
  cancel(code: number): void {
    const reason: EarlyEndReason =
      code === Status.DEADLINE_EXCEEDED ||
      (Number.isFinite(this.#deadlineMs) && Date.now() >= this.#deadlineMs - DEADLINE_SLACK_MS)
        ? 'deadline'
        : 'cancelled';
    this.#endEarly(reason);
  }

  /** The router half-closed the stream: a call still waiting for bytes can never get them. */
  halfClosed(): void {
    if (this.#finished || this.#phase !== 'receiving') return;
    try {
      this.#inputs!.tensors();
    } catch (error) {
      this.fail(error);
    }
  }

  /** The stream went away under the call (the router cancelled it or the connection dropped). */
  streamGone(): void {
    this.#endEarly('cancelled');
  }

  /** The drain timeout passed with the call still open: it ends at once with `reason`'s status. */
  stop(reason: unknown): void {
    if (this.#finished) return;
    this.#log.warn({ phase: this.#phase }, 'shard infer ended early: the drain timeout passed');
    this.fail(reason);
  }

  /** Ends the call with an in-band error: a ServiceError keeps its code, anything else is UNKNOWN. */
  fail(error: unknown): void {
    if (this.#finished) return;
    const status = toStatus(error, (e) => this.#log.error({ err: e }, 'shard infer failed'));
    if (status.code !== Status.UNKNOWN)
      this.#log.info({ code: Status[status.code], details: status.details }, 'shard infer refused');
    this.#endPhase(error);
    this.#finish(true);
    this.#observer?.failed(status.code);
    void this.send({ kind: 'error', error: { code: status.code, message: status.details } });
  }

  /** Ends the span of the phase the call is in; with `error` when the call ends there. */
  #endPhase(error?: unknown): void {
    endSpan(this.#span, error);
    if (error !== undefined) this.#spans.end();
  }

  /** Marks the call ended; `early` aborts its run (only then: an abort builds a DOMException). */
  #finish(early: boolean): void {
    this.#finished = true;
    clearTimeout(this.#timer);
    if (early) {
      this.#endedEarly = true;
      this.#work?.abort();
    }
    // ONNX Runtime cannot stop a run: its outputs stay in memory until it finishes.
    if (!this.#running) this.#held?.release();
    this.#runner = undefined;
    this.#resolveEnded();
  }

  #deadlinePassed(): void {
    if (this.#finished) return;
    this.#endEarly('deadline');
    this.#observer?.failed(Status.DEADLINE_EXCEEDED);
    void this.send({
      kind: 'error',
      error: { code: Status.DEADLINE_EXCEEDED, message: 'the call passed its deadline on the shard' },
    });
  }

  #endEarly(reason: EarlyEndReason): void {
    if (this.#finished) return;
    if (this.#span.isRecording())
      this.#endPhase(
        reason === 'deadline'
          ? new ServiceError(Status.DEADLINE_EXCEEDED, `the call passed its deadline while ${this.#phase}`)
          : new ServiceError(Status.CANCELLED, `the call was cancelled while ${this.#phase}`),
      );
    else this.#spans.end();
    this.#log.info(
      {
        reason,
        phase: this.#phase,
        deadline: Number.isFinite(this.#deadlineMs) ? new Date(this.#deadlineMs).toISOString() : null,
      },
      'shard infer ended early',
    );
    this.#finish(true);
  }

  #start(runner: ModelRunner): void {
    if (this.#span.isRecording())
      this.#span.setAttribute('shardmesh.bytes_received', this.#inputs!.byteLength);
    this.#endPhase();
    this.#span = this.#spans.start('onnxruntime run');
    this.#phase = 'running';
    this.#respond(runner).catch((error: unknown) => this.fail(error));
  }

  async #respond(runner: ModelRunner): Promise<void> {
    const inputs = this.#inputs!.tensors();
    this.#inputs = undefined;
    const signal = runner.stopsEarly ? (this.#work = new AbortController()).signal : undefined;
    this.#debug('shard infer running');
    const startNs = process.hrtime.bigint();
    const ranMs = (): number => Number((process.hrtime.bigint() - startNs) / 1_000_000n);
    let outputs: Tensor[];
    this.#running = true;
    try {
      outputs = await runner.run(inputs, signal);
    } catch (error) {
      if (!this.#endedEarly) throw error;
      this.#log.info({ ranMs: ranMs() }, 'partition run stopped: its call had ended');
      return;
    } finally {
      this.#running = false;
      if (this.#finished) this.#held?.release();
    }
    this.#held?.resize(
      inputs.reduce((n, t) => n + t.data.length, 0) + outputs.reduce((n, t) => n + t.data.length, 0),
    );
    const doneNs = process.hrtime.bigint();
    this.#observer?.ran(Number(doneNs - startNs) / 1e9);
    if (this.#endedEarly) {
      this.#log.info({ ranMs: ranMs() }, 'partition run finished after its call had ended; outputs dropped');
      return;
    }
    this.#endPhase();
    this.#span = this.#spans.start('shard send');
    if (this.#span.isRecording())
      this.#span.setAttribute(
        'shardmesh.bytes_sent',
        outputs.reduce((n, t) => n + t.data.length, 0),
      );
    this.#phase = 'sending';
    const receiveUs = Number((startNs - this.#receivedAtNs) / 1000n);
    const computeUs = Number((doneNs - startNs) / 1000n);
    // An answer that fits in one write goes as one message to a caller that takes it so.
    const groups = callWrites<ShardResponseKind>(
      { kind: 'header', header: { outputs: outputs.map(specToWire) } },
      outputs,
      this.context.chunkBytes,
      this.header.whole_answer === true,
      { receive_us: receiveUs, compute_us: computeUs, instance_id: this.context.instanceId },
    );
    for (let i = 0; i < groups.length; i++) {
      if (this.#endedEarly) return;
      if (i === groups.length - 1) this.#finish(false);
      await this.send(...groups[i]!);
    }
    this.#endPhase();
    this.#spans.end();
    this.#debug('shard infer done', { receiveUs, computeUs });
  }
}
