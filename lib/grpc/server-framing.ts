// grpc-js's server copies every serialized response into a fresh buffer to put gRPC's 5-byte
// length prefix in front of it (BaseServerInterceptingCall.serializeMessage). For a 64 MiB output
// that copy into never-touched memory cost ~75 ms and 13 % of the router's busy time, and the fresh
// buffer adds to the external-memory pressure that forces V8's full collections.
//
// This module lets a serializer return a message that already has 5 writable bytes in front of it
// (`framable`); grpc-js's serializeMessage is replaced by one that writes the prefix there and
// sends the message without a copy, and calls the message's `afterWrite` once Node reports the
// write done, so the bytes can be reused from then on. Any other message takes grpc-js's own path,
// byte for byte; one marked by streamed-message.ts goes out as it says. sendMessage's own callback
// runs as soon as a small message is queued (write-batching.ts); `afterWrite` still waits for the
// write. The replacement is installed only on the grpc-js version it was written against and only
// when the methods look as expected; otherwise nothing is patched and every message is copied as
// before (`installServerFraming` says which).

import { serverCallPrototype } from './server-call-internals.js';
import { mayCompleteEarly, onceCompleted, type BatchedStream } from './write-batching.js';
import {
  enableStreamedMessages,
  sendStreamed,
  STREAMING_CALL_SHAPE,
  streamedMessageOf,
  type StreamingCall,
} from './streamed-message.js';

interface Call extends StreamingCall {
  readonly stream: StreamingCall['stream'] & BatchedStream;
  handler: { serialize(value: unknown): Buffer };
  serializeMessage(value: unknown): Buffer;
  sendMessage(message: unknown, callback: () => void): void;
  [SLOT]?: { afterWrite?: () => void };
}

const SLOT = Symbol('shardmesh.afterWrite');
const framable = new WeakMap<Buffer, () => void>();

/**
 * Marks `message` as framable: the 5 bytes before it are the caller's, and `afterWrite` runs once
 * grpc-js has written the message (never, if the call ends before: then the bytes are simply left
 * to the garbage collector). Until then the caller must not reuse the bytes.
 */
export function markFramable(message: Buffer, afterWrite: () => void): Buffer {
  framable.set(message, afterWrite);
  return message;
}

const preframed = new WeakMap<Buffer, () => void>();

/**
 * Marks `frames` as whole gRPC frames already (grpc-frame.ts's `framedBatch`: several messages,
 * each with its prefix): sent as they stand, and `afterWrite` runs as for a framable message.
 */
export function markPreframed(frames: Buffer, afterWrite: () => void): Buffer {
  preframed.set(frames, afterWrite);
  return frames;
}

let installed: boolean | undefined;

/** Installs the no-copy framing on grpc-js's server calls, once; false when it could not. */
export function installServerFraming(): boolean {
  if (installed !== undefined) return installed;
  installed = false;
  const proto = serverCallPrototype<Call>('sendMessage', /this\.serializeMessage\(/);
  if (!proto) return false;
  const original = proto.sendMessage;
  // Streamed messages (streamed-message.ts) need the members that sendMessage's source shows.
  const streams = STREAMING_CALL_SHAPE.test(original.toString());
  proto.sendMessage = function (this: Call, message: unknown, callback: () => void): void {
    const streamed = streams ? streamedMessageOf(message) : undefined;
    if (streamed) {
      sendStreamed(this, streamed, callback);
      return;
    }
    const slot: { afterWrite?: () => void } = {};
    this[SLOT] = slot;
    // A small message completes once queued, so the call's next message joins it in one HTTP/2
    // write (write-batching.ts); its bytes are still released only once written.
    const completion = onceCompleted(callback);
    const before = this.stream.writableLength;
    try {
      original.call(this, message, () => {
        slot.afterWrite?.();
        completion.done();
      });
    } finally {
      this[SLOT] = undefined;
    }
    completion.settle(mayCompleteEarly(this.stream, before));
  };
  proto.serializeMessage = function (this: Call, value: unknown): Buffer {
    const message = this.handler.serialize(value);
    const afterWrite = framable.get(message);
    const slot = this[SLOT];
    const afterFrames = preframed.get(message);
    if (afterFrames && slot) {
      preframed.delete(message);
      slot.afterWrite = afterFrames;
      return message;
    }
    if (afterWrite && slot) {
      framable.delete(message);
      slot.afterWrite = afterWrite;
      const framed = Buffer.from(message.buffer, message.byteOffset - 5, message.byteLength + 5);
      framed.writeUInt8(0, 0);
      framed.writeUInt32BE(message.byteLength, 1);
      return framed;
    }
    // grpc-js's own path. Response compression is not supported by grpc-js: the flag is 0.
    const output = Buffer.allocUnsafe(message.byteLength + 5);
    output.writeUInt8(0, 0);
    output.writeUInt32BE(message.byteLength, 1);
    message.copy(output, 5);
    return output;
  };
  if (streams) enableStreamedMessages();
  installed = true;
  return true;
}
