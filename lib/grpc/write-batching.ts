// A call's small messages leave together instead of one HTTP/2 write each.
//
// grpc-js hands over a call's next message (a stream's next write) only once the previous one's
// write has completed, a turn of the event loop later. A shard call's header and input chunk went
// to the shard in two TLS records 0.8 ms apart, and its header, output chunk and trailer came back
// in three, each waking the receiver once (strace of a router and a shard serving cls at
// concurrency 1).
//
// Here a message under FRAME_POOL_MIN_BYTES completes as soon as Node has queued it on the HTTP/2
// stream, while the stream is below its high-water mark: grpc-js hands over the next message in
// the same turn, and Node's HTTP/2 stream sends whatever queued behind a write on its way in one
// write after it (`_writev`), so messages of concurrent calls share writes. The first message on
// an idle stream still leaves alone (Node hands it on at once, and what follows waits for its
// write): a later strace still showed a call's header and its input chunk in two TLS records and
// the shard's answer in two, so a call's messages now go as one buffer where they can
// (`writeGroups` in shard-messages.ts, `framedBatch` in grpc-frame.ts). A larger message still
// completes only once written: a pooled frame,
// which its owner reuses after the write's callback, is never reused while Node still holds it,
// and a stream over its high-water mark still holds its writer back as before.
//
// Tried and dropped: corking the stream until the turn's end to make the first message wait for
// the rest. The uncork (`setImmediate`) waited behind the ONNX Runtime runs queued in the same
// check phase: at concurrency 16 answers left later and throughput fell.
//
// Installed only on the grpc-js release it was checked against (`installWriteBatching` says
// whether it is in place); the server side is server-framing.ts's `sendMessage`.

import { FRAME_POOL_MIN_BYTES } from './frame-pool.js';
import { grpcJsPrototype } from './server-call-internals.js';

/** The Writable side of an HTTP/2 stream, as the early completion reads it. */
export interface BatchedStream {
  readonly writableLength: number;
  readonly writableNeedDrain: boolean;
  readonly destroyed: boolean;
}

/** Whether a message of `bytes` (its gRPC frame) is small enough to complete early. */
export function batchable(bytes: number): boolean {
  return bytes < FRAME_POOL_MIN_BYTES;
}

/**
 * Whether a message's write may complete now: `queuedBefore` is the stream's `writableLength`
 * before the write was issued, so the difference is what the write queued (nothing, if the call
 * refused it). Small, and the stream below its high-water mark.
 */
export function mayCompleteEarly(stream: BatchedStream, queuedBefore: number): boolean {
  const queued = stream.writableLength - queuedBefore;
  return queued > 0 && batchable(queued) && !stream.writableNeedDrain && !stream.destroyed;
}

/**
 * `callback`, run once: at the write's completion (`done`), or on the next tick once `settle(true)`
 * says it may complete early (a tick, as grpc-js's client runs its own write callbacks).
 */
export function onceCompleted(callback: () => void): { done: () => void; settle: (early: boolean) => void } {
  let ran = false;
  const done = (): void => {
    if (ran) return;
    ran = true;
    callback();
  };
  return { done, settle: (early) => early && process.nextTick(done) };
}

interface SubchannelCall {
  http2Stream: BatchedStream;
  sendMessageWithContext(context: { callback?: () => void; flags?: number }, message: Buffer): void;
}

let installed: boolean | undefined;

/** Installs the batching on grpc-js's client calls, once; false when it could not. */
export function installWriteBatching(): boolean {
  if (installed !== undefined) return installed;
  installed = false;
  const proto = grpcJsPrototype<SubchannelCall>(
    'subchannel-call.js',
    'Http2SubchannelCall',
    'sendMessageWithContext',
    /this\.http2Stream\.write\(/,
  );
  if (!proto) return false;
  const original = proto.sendMessageWithContext;
  proto.sendMessageWithContext = function (this: SubchannelCall, context, message): void {
    const callback = context.callback;
    if (callback === undefined || !batchable(message.length)) return original.call(this, context, message);
    const completion = onceCompleted(() => callback.call(context));
    const before = this.http2Stream.writableLength;
    original.call(this, { ...context, callback: completion.done }, message);
    completion.settle(mayCompleteEarly(this.http2Stream, before));
  };
  installed = true;
  return true;
}
