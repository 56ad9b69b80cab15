/**
 * Reusable memory for the shard hop's large frames (input chunks router → shard, output chunks
 * shard → router).
 *
 * Each such frame used to be a fresh allocation: the codec copies a chunk of up to `chunkBytes`
 * into it, grpc-js writes it, and it is garbage. Fresh multi-KiB buffers cost page faults on first
 * write (about 1 ms per MiB here) and count as external memory, which makes V8 run full
 * collections sooner. Frames are instead cut from buffers kept here by power-of-two capacity and
 * handed back once their bytes are on the wire (`releaseFrame`, called from the write callback).
 *
 * Ownership: a buffer from `takeFrameBuffer` belongs to its caller until `releaseFrame`; after
 * that the caller must not touch it or any view of it. Releasing is optional (an unreleased
 * buffer is simply collected); releasing twice, or a buffer not from here, is ignored.
 */

/** Below this, Node's own 8 KiB slab serves small buffers cheaply: no pooling. */
export const FRAME_POOL_MIN_BYTES = 16 << 10;

/**
 * Free buffers kept per capacity: enough for the frames of 16 concurrent requests in flight at
 * once (with 8, a router at c=16 allocated a fresh 128 KiB frame for one cls request in 13).
 */
const KEPT_PER_CAPACITY = 32;

/** Free buffers kept, all capacities together. */
const KEPT_MAX_BYTES = 64 << 20;

const free = new Map<number, Buffer[]>();
/** buffer handed out -> the whole pooled buffer it was cut from, until released. */
const owner = new WeakMap<Buffer, Buffer>();
let keptBytes = 0;

function capacityFor(bytes: number): number {
  return 2 ** Math.ceil(Math.log2(bytes));
}

/**
 * `bytes` bytes of uninitialised memory, pooled when large enough. The caller writes every byte
 * it sends.
 */
export function takeFrameBuffer(bytes: number): Buffer {
  if (bytes < FRAME_POOL_MIN_BYTES) return Buffer.allocUnsafe(bytes);
  const capacity = capacityFor(bytes);
  const reused = free.get(capacity)?.pop();
  if (reused) keptBytes -= capacity;
  const whole = reused ?? Buffer.allocUnsafeSlow(capacity);
  const buffer = whole.subarray(0, bytes);
  owner.set(buffer, whole);
  return buffer;
}

/** Hands back a buffer from `takeFrameBuffer`: see ownership above. */
export function releaseFrame(buffer: Buffer): void {
  const whole = owner.get(buffer);
  if (whole === undefined) return;
  owner.delete(buffer);
  const list = free.get(whole.length) ?? [];
  if (list.length >= KEPT_PER_CAPACITY || keptBytes + whole.length > KEPT_MAX_BYTES) return;
  list.push(whole);
  free.set(whole.length, list);
  keptBytes += whole.length;
}
