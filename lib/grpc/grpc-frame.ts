/**
 * gRPC's 5-byte message prefix (compressed flag, big-endian length), written by the codec itself.
 *
 * grpc-js frames every serialized message by allocating a new buffer 5 bytes longer and copying
 * the message into it (`IdentityHandler.writeMessage` on the client, `serializeMessage` on the
 * server): for a 1 MiB output chunk that is a second full copy after the codec's own. A codec
 * that calls `framedMessage` leaves room for the prefix in front of its message and fills it in;
 * `installFramePatch` teaches those two grpc-js methods to hand such a message on as it stands.
 * Any other message (other services, a compressed one) takes grpc-js's own path, unchanged.
 *
 * This reaches into grpc-js internals (checked against 1.14.x). If their shape differs, the patch
 * is not installed and everything still works, one copy slower: `framePatchInstalled` says which.
 */
import { createRequire } from 'node:module';

const PREFIX_BYTES = 5;

/** Messages written with their prefix in front, by identity: only these skip grpc-js's copy. */
const prefixed = new WeakSet<Buffer>();

/**
 * A buffer for a message of `length` bytes with room for the gRPC prefix in front, filled in.
 * Returns the message part; write the message into it.
 */
export function framedMessage(length: number): Buffer {
  const frame = Buffer.allocUnsafe(PREFIX_BYTES + length);
  frame[0] = 0;
  frame.writeUInt32BE(length, 1);
  const message = frame.subarray(PREFIX_BYTES);
  prefixed.add(message);
  return message;
}

/** The whole frame of a message from `framedMessage`, or undefined for any other buffer. */
function frameOf(message: Buffer): Buffer | undefined {
  if (!prefixed.has(message)) return undefined;
  return Buffer.from(message.buffer, message.byteOffset - PREFIX_BYTES, message.length + PREFIX_BYTES);
}

type WriteMessage = (this: unknown, message: Buffer, compress: boolean) => Promise<Buffer>;
type SerializeMessage = (this: { handler: { serialize(value: unknown): Buffer } }, value: unknown) => Buffer;

let installed: boolean | undefined;

/** Installs the patch once per process; returns whether it is in place. */
export function installFramePatch(): boolean {
  if (installed !== undefined) return installed;
  installed = false;
  try {
    const require = createRequire(import.meta.url);
    const compression = require('@grpc/grpc-js/build/src/compression-filter.js') as {
      CompressionFilter: new (options: object, shared: object) => { sendCompression: object };
    };
    const interceptors = require('@grpc/grpc-js/build/src/server-interceptors.js') as {
      BaseServerInterceptingCall: { prototype: { serializeMessage?: SerializeMessage } };
    };
    const identity = Object.getPrototypeOf(new compression.CompressionFilter({}, {}).sendCompression) as {
      writeMessage?: WriteMessage;
    };
    const server = interceptors.BaseServerInterceptingCall.prototype;
    const clientWrite = identity.writeMessage;
    const serverSerialize = server.serializeMessage;
    if (typeof clientWrite !== 'function' || typeof serverSerialize !== 'function') return false;
    identity.writeMessage = function (message, compress) {
      const frame = compress ? undefined : frameOf(message);
      return frame ? Promise.resolve(frame) : clientWrite.call(this, message, compress);
    };
    server.serializeMessage = function (value) {
      const message = this.handler.serialize(value);
      return frameOf(message) ?? frameWithCopy(message);
    };
    installed = true;
  } catch {
    installed = false;
  }
  return installed;
}

/** grpc-js's own server framing, for messages not written by `framedMessage`. */
function frameWithCopy(message: Buffer): Buffer {
  const output = Buffer.allocUnsafe(message.length + PREFIX_BYTES);
  output[0] = 0;
  output.writeUInt32BE(message.length, 1);
  message.copy(output, PREFIX_BYTES);
  return output;
}

export const framePatchInstalled = (): boolean => installed === true;
