/**
 * Buffers with reserved bytes in front of them, so that a message encoder can write its header
 * directly before a large tensor and hand the header and tensor on as one contiguous buffer,
 * without copying the tensor. The merge allocates final outputs this way; the V2 response encoder
 * (lib/grpc/v2-codec.ts) uses the headroom when it finds it, and copies when it does not.
 *
 * Only buffers made here carry headroom: the bytes before any other buffer may belong to someone
 * else, so `headroomOf` answers from a registry of what was allocated here, never from byteOffset.
 */

/** Bytes reserved: room for a V2 response header (names, shapes, ids) in front of one output. */
export const HEADROOM_BYTES = 1024;

/** Below this size a copy costs less than the reserved bytes are worth; no headroom then. */
export const HEADROOM_MIN_BYTES = 64 << 10;

const reserved = new WeakMap<Buffer, Buffer>();

/** A zero-filled buffer of `byteLength` bytes; large ones get {@link HEADROOM_BYTES} in front. */
export function allocateWithHeadroom(byteLength: number): Buffer {
  if (byteLength < HEADROOM_MIN_BYTES) return Buffer.alloc(byteLength);
  const whole = Buffer.alloc(HEADROOM_BYTES + byteLength);
  const data = whole.subarray(HEADROOM_BYTES);
  reserved.set(data, whole);
  return data;
}

/**
 * The buffer `data` was cut from when it came from {@link allocateWithHeadroom} (its headroom is
 * `whole.subarray(0, data.byteOffset - whole.byteOffset)`), else undefined. Whoever writes into
 * the headroom owns it for the tensor's lifetime: one response per tensor.
 */
export function headroomOf(data: Buffer): Buffer | undefined {
  return reserved.get(data);
}
