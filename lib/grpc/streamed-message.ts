// A response message that leaves the server while its bytes are still being made. grpc-js sends a
// message only once it is whole; a large merged output is whole only after every shard has sent
// all of it, so the router used to take in a 256 MiB answer and then send it, each phase alone at
// the speed of one TLS socket. A streamed message knows its length from the start (gRPC's prefix
// goes first) and hands its bytes on as they become final, so the client hop runs while the shard
// hop still does.
//
// server-framing.ts's sendMessage recognises a value marked here and calls `sendStreamed` instead
// of serializing it; that needs a few more of grpc-js's private call members, so the router asks
// `streamedMessagesSupported()` first and sends whole messages where it says no.

import { status as Status, type Metadata } from '@grpc/grpc-js';

/** A status to end a call with, as grpc-js's server call takes it. */
export interface StreamEndStatus {
  readonly code: Status;
  readonly details: string;
  readonly metadata: Metadata | null;
}

export interface StreamedMessage {
  /** The serialized message's length in bytes, without gRPC's 5-byte prefix. */
  readonly length: number;
  /**
   * Hands the message's bytes to `write`, in order, each byte once, until `length` have gone;
   * resolves then. Rejects with the status the call should end with instead (the client drops
   * the part of the message it got: gRPC delivers no message that did not arrive whole).
   * `write` must be handed bytes that stay unchanged until `afterWrite`.
   */
  pipe(write: (bytes: Uint8Array) => void): Promise<void>;
  /** Once the transport took the last byte (not after a failed pipe): the bytes may be reused. */
  afterWrite(): void;
}

const streamed = new WeakMap<object, StreamedMessage>();

/** Returns `value` marked: sent through a patched grpc-js server, it goes out as `message` says. */
export function markStreamed<T extends object>(value: T, message: StreamedMessage): T {
  streamed.set(value, message);
  return value;
}

export function streamedMessageOf(value: unknown): StreamedMessage | undefined {
  return typeof value === 'object' && value !== null ? streamed.get(value) : undefined;
}

/** The members of grpc-js's BaseServerInterceptingCall that `sendStreamed` uses (release 1.14.7). */
export interface StreamingCall {
  checkCancelled(): boolean;
  maybeSendMetadata(): void;
  sendStatus(status: StreamEndStatus): void;
  readonly maxSendMessageSize: number;
  readonly stream: {
    readonly writableEnded: boolean;
    write(bytes: Uint8Array, callback?: (error?: Error | null) => void): boolean;
  };
}

/** The source text of grpc-js's sendMessage that `sendStreamed` mirrors, as it must read. */
export const STREAMING_CALL_SHAPE =
  /checkCancelled\(\)[\s\S]*maxSendMessageSize[\s\S]*this\.maybeSendMetadata\(\)[\s\S]*this\.stream\.write\(/;

let supported = false;

/** Whether a marked message is streamed (server-framing.ts installed the path); else send it whole. */
export function streamedMessagesSupported(): boolean {
  return supported;
}

export function enableStreamedMessages(): void {
  supported = true;
}

/**
 * grpc-js's sendMessage for a streamed message: the same checks and metadata, then the prefix,
 * then each piece as `pipe` hands it on. The last piece is held back so that its write callback,
 * which Node calls after every earlier one, says the whole message was written.
 */
export function sendStreamed(call: StreamingCall, message: StreamedMessage, callback: () => void): void {
  if (call.checkCancelled()) return;
  if (call.maxSendMessageSize !== -1 && message.length > call.maxSendMessageSize) {
    call.sendStatus({
      code: Status.RESOURCE_EXHAUSTED,
      details: `Sent message larger than max (${message.length + 5} vs. ${call.maxSendMessageSize})`,
      metadata: null,
    });
    return;
  }
  call.maybeSendMetadata();
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(message.length, 1);
  let held: Uint8Array = prefix;
  // The call may end while the pipe runs (grpc-js's own deadline timer, the client going away):
  // writing after that would be an error on the HTTP/2 stream, so nothing more is written.
  const over = (): boolean => call.checkCancelled() || call.stream.writableEnded;
  message
    .pipe((bytes) => {
      if (bytes.length === 0 || over()) return;
      call.stream.write(held);
      held = bytes;
    })
    .then(
      () =>
        !over() &&
        call.stream.write(held, (error) => {
          if (error) {
            call.sendStatus({ code: Status.INTERNAL, details: 'Internal server error', metadata: null });
            return;
          }
          message.afterWrite();
          callback();
        }),
      (status: StreamEndStatus) => call.sendStatus(status),
    );
}
