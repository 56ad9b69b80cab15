// grpc-js cuts gRPC messages out of an HTTP/2 stream with StreamDecoder, which concatenates every
// message into a fresh buffer, prefix included, even one that arrived whole in one DATA chunk. On
// the router's shard hop that is every output byte once more: 64 MiB of new memory for a 64 MiB
// output, which V8 counts as external memory, so a router moving such outputs ran 3.3 full
// collections per request (`npm run bench -- --suites large-tensors`, router GC per request).
//
// This replaces StreamDecoder.write with one that hands on a message that lies within one chunk as
// a view of that chunk (Node gives each read its own memory, so the view stays valid), and
// assembles a message that spans chunks in a buffer from the frame pool (frame-pool.ts). A
// receiver that has consumed such a message (copied its bytes, or dropped them) may hand its
// memory back with `releaseReceived`; one that does not leaves it to the garbage collector, as
// before. Installed only on the grpc-js release it was checked against, and only when the class
// looks as expected; otherwise grpc-js decodes as shipped (`installDecoderPatch` says which).

import { releaseFrame, takeFrameBuffer } from './frame-pool.js';
import { grpcJsPrototype } from './server-call-internals.js';

interface Decoder {
  maxReadMessageLength: number;
  write(data: Buffer): Buffer[];
  [STATE]?: DecoderState;
}

interface DecoderState {
  /** The 5-byte prefix while it is split across chunks. */
  prefix: Buffer;
  prefixFilled: number;
  /** The frame (prefix and message) being assembled across chunks, and how much has arrived. */
  frame?: Buffer;
  frameFilled: number;
}

const STATE = Symbol('shardmesh.decoder');
const PREFIX_BYTES = 5;

/** Pooled frames handed out by the decoder, by their memory, so a view of one finds its frame. */
const assembled = new WeakMap<ArrayBufferLike, Buffer>();

/**
 * Hands back the memory of a received message, given any view of it (e.g. a chunk's `data`),
 * once the receiver has copied or dropped every byte of it. Views of anything else are ignored.
 */
export function releaseReceived(view: Uint8Array): void {
  const frame = assembled.get(view.buffer);
  if (frame === undefined) return;
  assembled.delete(view.buffer);
  releaseFrame(frame);
}

function checkedLength(decoder: Decoder, bytes: Buffer, at: number): number {
  const length = bytes.readUInt32BE(at + 1);
  if (decoder.maxReadMessageLength !== -1 && length > decoder.maxReadMessageLength)
    // grpc-js's own words, which its callers turn into RESOURCE_EXHAUSTED.
    throw new Error(`Received message larger than max (${length} vs ${decoder.maxReadMessageLength})`);
  return length;
}

/**
 * Frames this large are assembled in pooled memory. Smaller ones get a buffer of their own, as
 * grpc-js gives them: pooling them cost the router more than it saved (cls requests of 110 KiB
 * went from 3.5 to 5.2 ms of CPU each, measured side by side), as most are never handed back
 * (a request's inputs live as long as the request) and each pooled frame is tracked.
 */
export const POOLED_FRAME_MIN_BYTES = 512 << 10;

function beginFrame(state: DecoderState, prefix: Buffer, prefixAt: number, length: number): void {
  const pooled = PREFIX_BYTES + length >= POOLED_FRAME_MIN_BYTES;
  const frame = pooled ? takeFrameBuffer(PREFIX_BYTES + length) : Buffer.allocUnsafe(PREFIX_BYTES + length);
  prefix.copy(frame, 0, prefixAt, prefixAt + PREFIX_BYTES);
  state.frame = frame;
  state.frameFilled = PREFIX_BYTES;
  if (pooled) assembled.set(frame.buffer, frame);
}

/** StreamDecoder.write, as grpc-js defines it (whole frames, prefix included), without the copies. */
function write(this: Decoder, data: Buffer): Buffer[] {
  const state = (this[STATE] ??= { prefix: Buffer.alloc(PREFIX_BYTES), prefixFilled: 0, frameFilled: 0 });
  const out: Buffer[] = [];
  let at = 0;
  while (at < data.length) {
    if (state.frame !== undefined) {
      const n = Math.min(data.length - at, state.frame.length - state.frameFilled);
      data.copy(state.frame, state.frameFilled, at, at + n);
      state.frameFilled += n;
      at += n;
      if (state.frameFilled === state.frame.length) {
        out.push(state.frame);
        state.frame = undefined;
      }
    } else if (state.prefixFilled === 0 && data.length - at >= PREFIX_BYTES) {
      const length = checkedLength(this, data, at);
      if (data.length - at - PREFIX_BYTES >= length) {
        const whole = data.subarray(at, at + PREFIX_BYTES + length);
        // A small frame is copied, as grpc-js does (its bytes come from Node's shared slab): a
        // view would keep the whole read buffer it arrived in alive for as long as it is held.
        out.push(whole.length >= POOLED_FRAME_MIN_BYTES ? whole : Buffer.from(whole));
        at += PREFIX_BYTES + length;
      } else {
        beginFrame(state, data, at, length);
        at += PREFIX_BYTES;
      }
    } else {
      const n = Math.min(PREFIX_BYTES - state.prefixFilled, data.length - at);
      data.copy(state.prefix, state.prefixFilled, at, at + n);
      state.prefixFilled += n;
      at += n;
      if (state.prefixFilled === PREFIX_BYTES) {
        state.prefixFilled = 0;
        const length = checkedLength(this, state.prefix, 0);
        if (length === 0) out.push(Buffer.from(state.prefix));
        else beginFrame(state, state.prefix, 0, length);
      }
    }
  }
  return out;
}

let installed: boolean | undefined;

/** Installs the decoder once per process; false when grpc-js is not the release it was checked on. */
export function installDecoderPatch(): boolean {
  if (installed !== undefined) return installed;
  installed = false;
  const proto = grpcJsPrototype<Decoder>('stream-decoder.js', 'StreamDecoder', 'write', /readPartialMessage/);
  if (!proto) return false;
  proto.write = write;
  installed = true;
  return true;
}
