/**
 * Buffers for merged outputs, the tensors a router sends back as `raw_output_contents`.
 *
 * Headroom: large ones have bytes reserved in front of them, so that the V2 response encoder
 * (lib/grpc/v2-codec.ts) can write the message header directly before the tensor and hand header
 * and tensor on as one buffer without copying the tensor. Only buffers made here have headroom:
 * the bytes before any other buffer may belong to someone else, so `headroomOf` answers from a
 * registry of what was allocated here, never from byteOffset.
 *
 * Reuse: a fresh multi-MiB buffer costs page faults on first write and, in V8, external-memory
 * pressure that forces full garbage collections (several per 64 MiB response). So the encoder,
 * once the bytes are on their way, hands large buffers back with `releaseOutput`, and the next
 * merge of the same size takes one from here, zero-filled as a fresh one would be.
 */

/** Bytes reserved: room for a V2 response header (names, shapes, ids) in front of one output. */
export const HEADROOM_BYTES = 1024;

/** Below this size a copy costs less than the reserved bytes are worth: no headroom, no reuse. */
export const HEADROOM_MIN_BYTES = 64 << 10;

/**
 * Free buffers kept for reuse, all sizes together (headroom included); the rest are left to the
 * garbage collector. Room for one 256 MiB output with its headroom and a few smaller ones: at
 * 256 MiB (which left a 256 MiB output out of the pool) every `outer-256m` response took a fresh
 * buffer, and the router spent 1969 ms of CPU per request against 1617 ms with reuse
 * (`bench/probes/router-hop.js --model outer-256m`). A kept buffer adds nothing to the router's
 * peak memory, which held it while the response was in flight; it only stays between requests.
 */
export const POOL_MAX_BYTES = 512 << 20;

/** Free buffers kept per size. */
const POOL_PER_SIZE = 2;

/** data -> the buffer it was cut from (headroom + data). */
const reserved = new WeakMap<Buffer, Buffer>();
/** Free buffers by data byteLength; `free` says which data buffers are in it. */
const pool = new Map<number, Buffer[]>();
const free = new WeakSet<Buffer>();
let pooledBytes = 0;

/**
 * A buffer of `byteLength` bytes; large ones get {@link HEADROOM_BYTES} in front. Zero-filled,
 * unless `zeroFill` is false: then a reused buffer keeps another tensor's bytes, for a caller that
 * overwrites every byte and checks that it did (ConcatMerger).
 */
export function allocateOutput(byteLength: number, options: { zeroFill?: boolean } = {}): Buffer {
  if (byteLength < HEADROOM_MIN_BYTES) return Buffer.alloc(byteLength);
  const reused = pool.get(byteLength)?.pop();
  if (reused) {
    free.delete(reused);
    pooledBytes -= reserved.get(reused)!.length;
    return options.zeroFill === false ? reused : reused.fill(0);
  }
  const whole = Buffer.alloc(HEADROOM_BYTES + byteLength);
  const data = whole.subarray(HEADROOM_BYTES);
  reserved.set(data, whole);
  return data;
}

/**
 * The buffer `data` was cut from when it came from {@link allocateOutput} (its headroom is
 * `whole.subarray(0, data.byteOffset - whole.byteOffset)`), else undefined. Whoever writes into
 * the headroom owns it for the tensor's lifetime: one response per tensor.
 */
export function headroomOf(data: Buffer): Buffer | undefined {
  return reserved.get(data);
}

/**
 * Hands `data` back for reuse. The caller promises that nothing reads or writes it (or a view of
 * it) any more. Buffers not from {@link allocateOutput}, and a second release, are ignored.
 */
export function releaseOutput(data: Buffer): void {
  const whole = reserved.get(data);
  if (!whole || free.has(data)) return;
  const list = pool.get(data.length) ?? [];
  if (list.length >= POOL_PER_SIZE || pooledBytes + whole.length > POOL_MAX_BYTES) return;
  list.push(data);
  pool.set(data.length, list);
  free.add(data);
  pooledBytes += whole.length;
}
