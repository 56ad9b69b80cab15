import type { Client, ClientDuplexStream, ServiceError as GrpcServiceError } from '@grpc/grpc-js';
import type {
  ShardRequestKind,
  ShardRequestMessage,
  ShardResponseMessage,
} from '../../lib/grpc/shard-messages.js';

/**
 * TEST ONLY: the router's side of a `Shard.Infer` stream, written plainly for the shard's tests:
 * calls tagged by id, each collected until its trailer or error, and the stream's own status.
 */
export interface CallOutcome {
  /** The call's messages other than an error, in order. */
  messages: ShardResponseMessage[];
  /** The call's in-band error, or the stream's status when the stream failed first. */
  error?: { code: number; details: string };
}

export class TestShardStream {
  readonly stream: ClientDuplexStream<ShardRequestMessage, ShardResponseMessage>;
  /** Resolves with the stream's status: code 0 when the shard ended it with OK. */
  readonly status: Promise<{ code: number; details: string }>;
  readonly #calls = new Map<number, { messages: ShardResponseMessage[]; done: (o: CallOutcome) => void }>();

  constructor(client: Client, options: { deadline?: Date } = {}) {
    const open = (
      client as unknown as Record<
        string,
        (options: object) => ClientDuplexStream<ShardRequestMessage, ShardResponseMessage>
      >
    )['Infer']!;
    this.stream = open.call(client, options.deadline ? { deadline: options.deadline } : {});
    this.status = new Promise((resolve) => {
      this.stream.on('data', (m: ShardResponseMessage) => {
        const call = this.#calls.get(m.call_id);
        if (!call) return;
        if (m.kind === 'error') {
          this.#calls.delete(m.call_id);
          call.done({ messages: call.messages, error: { code: m.error.code, details: m.error.message } });
          return;
        }
        call.messages.push(m);
        // A whole answer (asked by `whole_answer`) is one header carrying its trailer.
        if (m.kind === 'trailer' || (m.kind === 'header' && m.header.trailer)) {
          this.#calls.delete(m.call_id);
          call.done({ messages: call.messages });
        }
      });
      const ended = (status: { code: number; details: string }): void => {
        for (const [id, call] of this.#calls) {
          this.#calls.delete(id);
          call.done({ messages: call.messages, error: status });
        }
        resolve(status);
      };
      this.stream.on('error', (e: GrpcServiceError) => ended({ code: e.code, details: e.details }));
      this.stream.on('status', (s: { code: number; details: string }) => ended(s));
    });
  }

  /** Writes a call's messages tagged with `id`; resolves when that call has ended. */
  call(id: number, messages: readonly ShardRequestKind[]): Promise<CallOutcome> {
    const outcome = new Promise<CallOutcome>((done) => this.#calls.set(id, { messages: [], done }));
    for (const m of messages) this.write(id, m);
    return outcome;
  }

  write(id: number, message: ShardRequestKind): void {
    this.stream.write({ ...message, call_id: id } as ShardRequestMessage);
  }

  end(): void {
    this.stream.end();
  }
}

/** One call on a stream of its own, half-closed after the call's messages, as a generated stub would. */
export function inferOnce(
  client: Client,
  messages: readonly ShardRequestKind[],
  options: { deadline?: Date } = {},
): Promise<CallOutcome> {
  const stream = new TestShardStream(client, options);
  const outcome = stream.call(1, messages);
  stream.end();
  return outcome;
}
