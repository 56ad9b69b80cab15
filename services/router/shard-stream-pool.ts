import {
  Metadata,
  status as Status,
  type ClientDuplexStream,
  type ServiceError as GrpcError,
} from '@grpc/grpc-js';
import { releaseFramedMessage } from '../../lib/grpc/grpc-frame.js';
import { releaseReceived } from '../../lib/grpc/stream-decoder-patch.js';
import { serializeShardRequest, serializeShardRequests } from '../../lib/grpc/shard-codec.js';
import type {
  ShardRequestKind,
  ShardRequestMessage,
  ShardResponseKind,
  ShardResponseMessage,
} from '../../lib/grpc/shard-messages.js';

/**
 * A `Shard.Infer` stream as the router writes it: messages serialized by the caller
 * (`serializeShardRequest`), so their frames can go back to the frame pool once written.
 */
export type InferDuplex = ClientDuplexStream<ShardRequestMessage | Buffer, ShardResponseMessage>;

/** What a call on a shared stream hears: its own messages, or the stream's failure. */
export interface CallListener {
  message(message: ShardResponseKind): void;
  /** The stream ended under the call; `error` is a gRPC error (usually UNAVAILABLE). */
  streamFailed(error: GrpcError): void;
}

/** An error shaped as grpc-js reports a call's status, so the retry policy and mappers read it alike. */
export function grpcError(code: Status, details: string): GrpcError {
  return Object.assign(new Error(`${code} ${Status[code]}: ${details}`), {
    code,
    details,
    metadata: new Metadata(),
  });
}

/**
 * Codes a failed stream passes on to its calls as they are: the shard refused this router, which
 * no other replica of the same trust domain would do differently. Any other end is UNAVAILABLE:
 * the connection dropped or the shard died, and another replica may answer.
 */
const KEPT_CODES: ReadonlySet<Status> = new Set([Status.PERMISSION_DENIED, Status.UNAUTHENTICATED]);

/**
 * What ended a stream, for the calls' error: a gRPC status as "CODE: details"; anything else
 * (Node's own stream errors carry no gRPC code) by its message alone.
 */
function endReason(error: Partial<GrpcError> & Error): string {
  const code = error.code === undefined ? undefined : Status[error.code];
  return code === undefined ? error.message : `${code}: ${error.details ?? error.message}`;
}

/**
 * One long-lived `Shard.Infer` stream carrying many calls tagged by id (`shard.proto`). Writes
 * from all calls share one back-pressure wait; when the stream ends, every call still open on it
 * fails at once with UNAVAILABLE, so the router's retry policy can take it elsewhere.
 */
export class MuxStream {
  readonly #calls = new Map<number, CallListener>();
  #nextId = 1;
  #blocked: Promise<void> | undefined;
  #unblock: (() => void) | undefined;
  #dead = false;

  constructor(
    private readonly stream: InferDuplex,
    private readonly onDead: (stream: MuxStream) => void,
  ) {
    stream.on('data', (m: ShardResponseMessage) => {
      this.#calls.get(m.call_id)?.message(m);
      // The call's sink has copied the chunk's bytes where they go (or dropped them): the memory
      // they arrived in can take the next message (stream-decoder-patch.ts).
      if (m.kind === 'chunk') releaseReceived(m.chunk.data);
    });
    stream.on('error', (error: GrpcError) => this.#die(error));
    stream.on('status', (status: { code: Status; details: string }) =>
      this.#die(grpcError(status.code, status.details || 'the shard ended the stream')),
    );
  }

  get openCalls(): number {
    return this.#calls.size;
  }

  get dead(): boolean {
    return this.#dead;
  }

  /** Registers a call; returns its id. Its messages go to `listener` until `close` or the stream's end. */
  open(listener: CallListener): number {
    const id = this.#nextId++;
    this.#calls.set(id, listener);
    return id;
  }

  /** The call has ended on the router's side; later messages for it are dropped. */
  close(id: number): void {
    this.#calls.delete(id);
  }

  /** Gives a call up: the shard stops it (CANCELLED or DEADLINE_EXCEEDED) and sends nothing more. */
  cancel(id: number, code: Status): void {
    if (!this.#calls.delete(id) || this.#dead) return;
    this.#send([{ call_id: id, kind: 'cancel', cancel: { code } }]);
  }

  /**
   * Sends messages of call `id`, in one write where they can go together (`serializeShardRequests`),
   * so the shard wakes once for them; resolves when the stream can take more (or has died).
   */
  async write(id: number, ...messages: ShardRequestKind[]): Promise<void> {
    while (this.#blocked) await this.#blocked;
    if (this.#dead) return;
    if (this.#send(messages.map((m) => ({ ...m, call_id: id }) as ShardRequestMessage))) return;
    this.#blocked ??= new Promise<void>((resolve) => {
      this.#unblock = () => {
        this.#blocked = undefined;
        this.#unblock = undefined;
        resolve();
      };
      this.stream.once('drain', this.#unblock);
    });
    await this.#blocked;
  }

  /**
   * Writes messages, together when they can go so; their frames go back to the pool when grpc-js
   * reports them written (the shard channel is created without grpc-js's retry buffer, so that is
   * when the bytes have left: shard-clients.ts). Returns false when the stream wants the writer
   * to wait for 'drain'.
   */
  #send(messages: readonly ShardRequestMessage[]): boolean {
    const together = messages.length > 1 ? serializeShardRequests(messages) : undefined;
    const frames = together ? [together] : messages.map(serializeShardRequest);
    let more = true;
    for (const frame of frames) more = this.stream.write(frame, () => releaseFramedMessage(frame));
    return more;
  }

  /** Half-closes: the shard finishes the calls open on it, then ends the stream. */
  end(): void {
    if (!this.#dead) this.stream.end();
  }

  #die(error: GrpcError): void {
    if (this.#dead) return;
    this.#dead = true;
    this.onDead(this);
    this.#unblock?.();
    const failure = KEPT_CODES.has(error.code)
      ? error
      : grpcError(Status.UNAVAILABLE, `the shard stream ended: ${endReason(error)}`);
    const calls = [...this.#calls.values()];
    this.#calls.clear();
    for (const call of calls) call.streamFailed(failure);
  }
}

/**
 * A few `MuxStream`s over one shard channel, opened when first needed and replaced when they
 * fail. A call goes to the stream with the fewest open calls; a new stream opens only while every
 * stream has a call open and the pool is below `size`.
 */
export class ShardStreamPool {
  readonly #streams: MuxStream[] = [];

  constructor(
    private readonly openStream: () => InferDuplex,
    private readonly size: number,
  ) {}

  pick(): MuxStream {
    let best: MuxStream | undefined;
    for (const s of this.#streams) if (!best || s.openCalls < best.openCalls) best = s;
    if (best && (best.openCalls === 0 || this.#streams.length >= this.size)) return best;
    const stream = new MuxStream(this.openStream(), (dead) => {
      const i = this.#streams.indexOf(dead);
      if (i >= 0) this.#streams.splice(i, 1);
    });
    this.#streams.push(stream);
    return stream;
  }

  /** Half-closes every stream: calls open on them finish, new ones open new streams. */
  end(): void {
    for (const s of this.#streams.splice(0)) s.end();
  }
}
