import { randomUUID } from 'node:crypto';
import type { ClientDuplexStream, Metadata } from '@grpc/grpc-js';
import type { CallOptions } from './call-options.js';
import { buildInferRequest, type InferInputs, type RequestOptions } from './infer-request.js';
import { InferResult, type InferResponseMessage } from './infer-result.js';
import { cancelledError } from './retry-policy.js';
import { fromStreamErrorMessage, toShardmeshError, type ShardmeshError } from './shardmesh-error.js';

/** Options of `stream()`: a stream has no deadline unless given one. */
export type StreamOptions = Omit<CallOptions, 'onRetry'>;

/** One answer on a stream: the result of the request with `id`, or why that request failed. */
export type StreamAnswer =
  | { readonly id: string; readonly result: InferResult; readonly error?: undefined }
  | { readonly id: string; readonly error: ShardmeshError; readonly result?: undefined };

interface StreamResponseMessage {
  error_message: string;
  infer_response: InferResponseMessage | null;
}

type Duplex = ClientDuplexStream<object, StreamResponseMessage>;

/** grpc-js's ModelStreamInfer method, bound to its client. */
export type OpenStream = (metadata: Metadata, options: { deadline?: Date }) => Duplex;

/**
 * A ModelStreamInfer call. `send` writes requests; iterating (`for await`) yields one answer per
 * request in the order the server finishes them, matched by id. A request that fails answers
 * with its own error and the stream carries on; a failure of the whole stream (an abort:
 * CANCELLED, its deadline, the connection) ends the iteration by throwing a ShardmeshError.
 * Answers not yet iterated are held in memory.
 */
export class InferStream implements AsyncIterable<StreamAnswer> {
  private readonly call: Duplex;
  private readonly answers: StreamAnswer[] = [];
  private failure: ShardmeshError | undefined;
  private finished = false;
  private wake: (() => void) | undefined;

  /** @internal Made by `ShardmeshClient.stream()`. */
  constructor(
    open: OpenStream,
    metadata: Metadata,
    deadlineMs: number | undefined,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.call = open(metadata, deadlineMs === undefined ? {} : { deadline: new Date(deadlineMs) });
    const onAbort = (): void => this.call.cancel();
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) this.call.cancel();
    this.call.on('data', (m: StreamResponseMessage) => this.push(m));
    this.call.on('error', (error: unknown) => {
      this.failure = signal?.aborted ? cancelledError(signal) : toShardmeshError(error);
      this.finish(onAbort);
    });
    this.call.on('end', () => this.finish(onAbort));
  }

  /**
   * Sends one request and returns its id (`options.id`, else a fresh UUID). Throws
   * INVALID_ARGUMENT (a ShardmeshError) without sending when an input cannot be encoded.
   */
  send(model: string, inputs: InferInputs, options: RequestOptions = {}): string {
    const id = options.id ?? randomUUID();
    this.call.write(buildInferRequest(model, inputs, { ...options, id }));
    return id;
  }

  /** No more requests: iteration ends once every request sent has its answer. */
  end(): void {
    this.call.end();
  }

  /** Ends the stream now; iteration throws CANCELLED. */
  cancel(): void {
    this.call.cancel();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<StreamAnswer> {
    for (;;) {
      const answer = this.answers.shift();
      if (answer !== undefined) {
        yield answer;
        continue;
      }
      if (this.finished) {
        if (this.failure !== undefined) throw this.failure;
        return;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private push(message: StreamResponseMessage): void {
    const id = message.infer_response?.id ?? '';
    let answer: StreamAnswer;
    if (message.error_message !== '') answer = { id, error: fromStreamErrorMessage(message.error_message) };
    else {
      try {
        answer = { id, result: InferResult.fromMessage(message.infer_response!) };
      } catch (error) {
        answer = { id, error: toShardmeshError(error) };
      }
    }
    this.answers.push(answer);
    this.wakeReader();
  }

  private finish(onAbort: () => void): void {
    if (this.signal?.aborted && this.failure === undefined) this.failure = cancelledError(this.signal);
    this.signal?.removeEventListener('abort', onAbort);
    this.finished = true;
    this.wakeReader();
  }

  private wakeReader(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
