import { status as Status, type ServerDuplexStream } from '@grpc/grpc-js';
import { invalidArgument, type ServiceError } from '../../lib/grpc/service-error.js';
import type { ShardRequestMessage, ShardResponseMessage } from '../../lib/grpc/shard-messages.js';
import { InferCall, type InferCallContext, type SendToRouter } from './infer-call.js';
import { serializeShardResponses } from '../../lib/grpc/shard-codec.js';

/** A shard's side of a `Shard.Infer` stream; a Buffer written to it is a call's messages together. */
export type InferStream = ServerDuplexStream<ShardRequestMessage, ShardResponseMessage | Buffer>;

export interface ShardStreamContext extends InferCallContext {
  /** Set while the shard drains: new calls are refused in-band with this error (UNAVAILABLE). */
  readonly refuseNewCalls: () => ServiceError | undefined;
}

/**
 * Writes a stream's messages for all its calls. A write that fills grpc-js's buffer makes every
 * writer wait for `drain`, so a large output never piles up in memory; `end` waits for the writes
 * already started.
 */
class StreamWriter {
  #blocked: Promise<void> | undefined;
  #pending = 0;
  #endRequested = false;
  #closed = false;
  #unblock: (() => void) | undefined;

  constructor(private readonly stream: InferStream) {}

  /** Writes a call's messages, in one write where they can go together (`serializeShardResponses`). */
  async write(messages: readonly ShardResponseMessage[]): Promise<void> {
    this.#pending++;
    try {
      while (this.#blocked) await this.#blocked;
      if (this.#closed) return;
      const together = messages.length > 1 ? serializeShardResponses(messages) : undefined;
      let more = true;
      for (const message of together ? [together] : messages) more = this.stream.write(message);
      if (!more) {
        this.#blocked = new Promise<void>((resolve) => {
          this.#unblock = () => {
            this.#blocked = undefined;
            this.#unblock = undefined;
            resolve();
          };
          this.stream.once('drain', this.#unblock);
        });
        await this.#blocked;
      }
    } finally {
      if (--this.#pending === 0 && this.#endRequested) this.#end();
    }
  }

  end(): void {
    this.#endRequested = true;
    if (this.#pending === 0) this.#end();
  }

  #end(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.stream.end();
  }

  /** The stream is gone: writers waiting for `drain` give up. */
  close(): void {
    this.#closed = true;
    this.#unblock?.();
  }
}

/**
 * One long-lived `Shard.Infer` stream (see `shard.proto`): demultiplexes its messages by call id
 * into `InferCall`s that run concurrently, and interleaves their answers. Ends the stream with OK
 * once the router has half-closed (or the shard drains) and no call is open. `ended` resolves
 * when the stream has ended or gone away.
 */
export class ShardStream {
  readonly ended: Promise<void>;
  readonly #calls = new Map<number, InferCall>();
  readonly #writer: StreamWriter;
  #highestId = -1;
  #halfClosed = false;
  #gone = false;
  #resolveEnded!: () => void;

  constructor(
    private readonly stream: InferStream,
    private readonly context: ShardStreamContext,
  ) {
    this.ended = new Promise((resolve) => (this.#resolveEnded = resolve));
    this.#writer = new StreamWriter(stream);
    stream.on('data', (message: ShardRequestMessage) => this.#receive(message));
    stream.on('end', () => {
      this.#halfClosed = true;
      for (const call of this.#calls.values()) call.halfClosed();
      this.#maybeEnd();
    });
    // grpc-js emits `cancelled` after every stream's end, our own included; calls open then are news.
    stream.on('cancelled', () => this.#goAway());
    stream.on('error', () => this.#goAway());
    stream.on('finish', () => undefined);
  }

  /** Calls open on this stream. */
  get openCalls(): number {
    return this.#calls.size;
  }

  /** The shard began to drain: end the stream as soon as its open calls have ended. */
  drain(): void {
    this.#maybeEnd();
  }

  /** The drain timeout passed: every open call ends at once with `reason`'s status. */
  stop(reason: unknown): void {
    for (const call of this.#calls.values()) call.stop(reason);
  }

  #send(callId: number): SendToRouter {
    return (...messages) =>
      this.#writer.write(messages.map((m) => ({ ...m, call_id: callId }) as ShardResponseMessage));
  }

  #receive(message: ShardRequestMessage): void {
    if (this.#gone) return;
    const id = message.call_id;
    const call = this.#calls.get(id);
    if (message.kind === 'header') {
      if (call) return call.fail(invalidArgument('a second header arrived; send one header per call'));
      if (id <= this.#highestId)
        return this.#refuse(id, invalidArgument(`call id ${id} was used before on this stream`));
      this.#highestId = id;
      const refusal = this.context.refuseNewCalls();
      if (refusal) return this.#refuse(id, refusal);
      const opened = new InferCall(message.header, this.context, this.#send(id));
      if (opened.finished) return this.#maybeEnd();
      this.#calls.set(id, opened);
      void opened.ended.then(() => {
        this.#calls.delete(id);
        this.#maybeEnd();
      });
      return;
    }
    if (call) {
      if (message.kind === 'chunk') call.chunk(message.chunk);
      else call.cancel(message.cancel.code);
      return;
    }
    // A message for a call that has ended crossed its end on the wire; one for a new id is early.
    if (id > this.#highestId) {
      this.#highestId = id;
      this.#refuse(id, invalidArgument(`a ${message.kind} arrived before the header of call ${id}`));
    }
  }

  #refuse(id: number, error: ServiceError): void {
    const log = this.context.log;
    log.info({ callId: id, code: Status[error.code], details: error.details }, 'shard infer refused');
    void this.#send(id)({ kind: 'error', error: { code: error.code, message: error.details } });
    this.#maybeEnd();
  }

  #maybeEnd(): void {
    if (this.#gone || this.#calls.size > 0) return;
    if (this.#halfClosed || this.context.refuseNewCalls()) {
      this.#writer.end();
      this.#resolveEnded();
    }
  }

  #goAway(): void {
    if (this.#gone) return;
    this.#gone = true;
    this.#writer.close();
    for (const call of this.#calls.values()) call.streamGone();
    this.#resolveEnded();
  }
}
