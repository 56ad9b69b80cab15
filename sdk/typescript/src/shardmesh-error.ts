import { status as Status, type Metadata } from '@grpc/grpc-js';

export { Status };

/**
 * The one error every client call rejects with. `code` is the gRPC status: the server's (see the
 * status table in the shardmesh design: NOT_FOUND for an unknown model, INVALID_ARGUMENT for a
 * malformed request, UNAVAILABLE when a partition has no replica …), or the client's own:
 * CANCELLED when the call's AbortSignal fired, DEADLINE_EXCEEDED when its deadline passed,
 * INVALID_ARGUMENT for inputs the client refuses to send, INTERNAL for a response it cannot decode.
 * `cause` keeps the grpc-js error (or whatever else failed) for logs.
 */
export class ShardmeshError extends Error {
  override readonly name = 'ShardmeshError';
  /** The status text without the code, as the server sent it. */
  readonly details: string;
  /** Trailing metadata of the failed call, when the server sent some. */
  readonly metadata: Metadata | undefined;
  /**
   * The server's `grpc-retry-pushback-ms`: how long it asked the client to wait before trying
   * again; a negative value means "do not retry". Undefined when absent.
   */
  readonly retryPushbackMs: number | undefined;

  constructor(
    readonly code: Status,
    details: string,
    options: { cause?: unknown; metadata?: Metadata } = {},
  ) {
    super(`${Status[code] ?? code}: ${details}`, options.cause === undefined ? {} : { cause: options.cause });
    this.details = details;
    this.metadata = options.metadata;
    this.retryPushbackMs = pushbackOf(options.metadata);
  }

  /** The status's name, e.g. `"UNAVAILABLE"`. */
  get codeName(): string {
    return Status[this.code] ?? String(this.code);
  }
}

function pushbackOf(metadata: Metadata | undefined): number | undefined {
  const value = metadata?.get('grpc-retry-pushback-ms')[0];
  if (value === undefined) return undefined;
  const ms = Number(value);
  return Number.isInteger(ms) ? ms : undefined;
}

interface GrpcErrorLike {
  code: number;
  details?: string;
  message?: string;
  metadata?: Metadata;
}

const isGrpcError = (error: unknown): error is GrpcErrorLike =>
  typeof error === 'object' &&
  error !== null &&
  typeof (error as GrpcErrorLike).code === 'number' &&
  (error as GrpcErrorLike).code in Status;

/** Any failure of a call as a ShardmeshError: grpc-js errors keep their status; others are UNKNOWN. */
export function toShardmeshError(error: unknown): ShardmeshError {
  if (error instanceof ShardmeshError) return error;
  if (isGrpcError(error)) {
    const details = error.details ?? error.message ?? '';
    return new ShardmeshError(error.code, details, {
      cause: error,
      ...(error.metadata ? { metadata: error.metadata } : {}),
    });
  }
  return new ShardmeshError(Status.UNKNOWN, error instanceof Error ? error.message : String(error), {
    cause: error,
  });
}

/**
 * A ModelStreamInfer `error_message` as an error. The shardmesh router writes `"CODE: details"`;
 * other servers (Triton) write bare text, which becomes UNKNOWN.
 */
export function fromStreamErrorMessage(message: string): ShardmeshError {
  const match = /^([A-Z_]+): ([\s\S]*)$/.exec(message);
  const code = match ? (Status as unknown as Record<string, number | undefined>)[match[1]!] : undefined;
  if (match && typeof code === 'number') return new ShardmeshError(code, match[2]!);
  return new ShardmeshError(Status.UNKNOWN, message);
}
