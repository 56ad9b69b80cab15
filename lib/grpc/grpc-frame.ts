/**
 * gRPC's 5-byte message prefix (compressed flag, big-endian length), written by the codec itself.
 *
 * grpc-js frames every serialized message by allocating a new buffer 5 bytes longer and copying
 * the message into it (`IdentityHandler.writeMessage` on the client, `serializeMessage` on the
 * server): for a 1 MiB output chunk that is a second full copy after the codec's own. A codec
 * that calls `framedMessage` leaves room for the prefix in front of its message and fills it in;
 * `installFramePatch` teaches grpc-js's client to hand such a message on as it stands, and the
 * server side is `server-framing.ts`'s (the one place that replaces grpc-js's server framing;
 * a framed message is marked there with nothing to do after its write).
 * Any other message (other services, a compressed one) takes grpc-js's own path, unchanged.
 *
 * This reaches into grpc-js internals (checked against 1.14.x). If their shape differs, the patch
 * is not installed and everything still works, one copy slower: `installFramePatch` says which.
 */
import { createRequire } from 'node:module';
import { releaseFrame, takeFrameBuffer } from './frame-pool.js';
import { installServerFraming, markFramable, markPreframed } from './server-framing.js';

const PREFIX_BYTES = 5;

/**
 * Messages written with their prefix in front -> their whole frame (a `framedBatch` -> itself):
 * only these skip grpc-js's copy.
 */
const framesOf = new WeakMap<Buffer, Buffer>();

/**
 * A buffer for a message of `length` bytes with room for the gRPC prefix in front, filled in.
 * Returns the message part; write the message into it. Large frames come from the frame pool
 * (frame-pool.ts): a server hands them back itself once grpc-js has written them; a client
 * that writes one should call `releaseFramedMessage` from its write callback.
 */
export function framedMessage(length: number): Buffer {
  const frame = takeFrameBuffer(PREFIX_BYTES + length);
  frame[0] = 0;
  frame.writeUInt32BE(length, 1);
  const message = frame.subarray(PREFIX_BYTES);
  framesOf.set(message, frame);
  return markFramable(message, () => releaseFrame(frame));
}

/**
 * Hands a message from `framedMessage` back for reuse once its bytes are written (the write's
 * callback): the caller must not touch it afterwards. Any other buffer is ignored.
 */
export function releaseFramedMessage(message: Buffer): void {
  const frame = framesOf.get(message);
  if (frame !== undefined) releaseFrame(frame);
}

/**
 * Frames for several messages back to back in one buffer, for a call's messages to leave in one
 * write: a small call's header and its one chunk (or a shard's answer) used to leave in two or
 * three TLS records and wake the receiver once for each (strace of a router and a shard serving
 * the mlp at concurrency 1). Each message of `lengths` gets its prefix; the caller writes each
 * message into `messages[i]`, then writes `frames` as one message of the stream: grpc-js (client
 * and server, patched) sends it as it stands, and any gRPC reader takes it as the messages one by
 * one. Returns undefined when the patches are not in place (grpc-js would frame the frames again):
 * write the messages one by one then. Release `frames` as a framed message's.
 */
export function framedBatch(lengths: readonly number[]): { frames: Buffer; messages: Buffer[] } | undefined {
  if (!installFramePatch()) return undefined;
  const frames = takeFrameBuffer(lengths.reduce((n, length) => n + PREFIX_BYTES + length, 0));
  const messages: Buffer[] = [];
  let at = 0;
  for (const length of lengths) {
    frames[at] = 0;
    frames.writeUInt32BE(length, at + 1);
    messages.push(frames.subarray(at + PREFIX_BYTES, at + PREFIX_BYTES + length));
    at += PREFIX_BYTES + length;
  }
  // A batch is its own frame: grpc-js sends it as it stands, and `writtenMessages` knows it so.
  framesOf.set(frames, frames);
  return { frames: markPreframed(frames, () => releaseFrame(frames)), messages };
}

/**
 * The messages a buffer written to a shard stream carries: the several of a `framedBatch`, or the
 * buffer itself (a `framedMessage`, or a message grpc-js frames). For code that reads what a
 * client wrote without a gRPC decoder in between (test doubles of a stream).
 */
export function writtenMessages(written: Buffer): Buffer[] {
  if (framesOf.get(written) !== written) return [written];
  const messages: Buffer[] = [];
  for (let at = 0; at < written.length;) {
    const length = written.readUInt32BE(at + 1);
    messages.push(written.subarray(at + PREFIX_BYTES, at + PREFIX_BYTES + length));
    at += PREFIX_BYTES + length;
  }
  return messages;
}

/** The whole frame of a message from `framedMessage`, or undefined for any other buffer. */
function frameOf(message: Buffer): Buffer | undefined {
  return framesOf.get(message);
}

type WriteMessage = (this: unknown, message: Buffer, compress: boolean) => Promise<Buffer>;

let installed: boolean | undefined;

/**
 * Installs the client-side patch and the server-side framing once per process; returns whether
 * both are in place.
 */
export function installFramePatch(): boolean {
  if (installed !== undefined) return installed;
  installed = false;
  try {
    const require = createRequire(import.meta.url);
    const compression = require('@grpc/grpc-js/build/src/compression-filter.js') as {
      CompressionFilter: new (options: object, shared: object) => { sendCompression: object };
    };
    const identity = Object.getPrototypeOf(new compression.CompressionFilter({}, {}).sendCompression) as {
      writeMessage?: WriteMessage;
    };
    const clientWrite = identity.writeMessage;
    if (typeof clientWrite !== 'function') return false;
    identity.writeMessage = function (message, compress) {
      const frame = compress ? undefined : frameOf(message);
      return frame ? Promise.resolve(frame) : clientWrite.call(this, message, compress);
    };
    installed = installServerFraming();
  } catch {
    installed = false;
  }
  return installed;
}
