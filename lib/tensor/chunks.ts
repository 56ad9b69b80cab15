import { bytesPerElement, type Datatype } from './dtype.js';

/** Largest chunk payload on the router–shard path: 1 MiB, a quarter of gRPC's default message limit. */
export const DEFAULT_CHUNK_BYTES = 1 << 20;

/**
 * Yields [offset, bytes] runs of at most `chunkBytes`, each holding whole elements, so a receiver
 * that adds chunks element-wise never sees half an element.
 */
export function* chunkRanges(
  byteLength: number,
  datatype: Datatype,
  chunkBytes: number,
): Generator<[number, number]> {
  const width = bytesPerElement(datatype);
  const step = Math.max(width, chunkBytes - (chunkBytes % width));
  for (let offset = 0; offset < byteLength; offset += step)
    yield [offset, Math.min(step, byteLength - offset)];
}

/**
 * Collects one tensor's chunks into a buffer of the declared size and says when every byte has
 * arrived. Overlapping or out-of-range chunks are the sender's bug and are refused.
 */
export class ChunkAssembler {
  readonly data: Buffer;
  #received = 0;

  constructor(readonly byteLength: number) {
    this.data = Buffer.allocUnsafe(byteLength);
  }

  /** Returns an error message, or undefined when the chunk was taken. */
  accept(offset: number, chunk: Uint8Array): string | undefined {
    if (offset < 0 || offset + chunk.length > this.byteLength) {
      return `chunk [${offset}, ${offset + chunk.length}) is outside the tensor's ${this.byteLength} bytes`;
    }
    this.data.set(chunk, offset);
    this.#received += chunk.length;
    if (this.#received > this.byteLength) return `more bytes than the tensor's ${this.byteLength} arrived`;
    return undefined;
  }

  get complete(): boolean {
    return this.#received === this.byteLength;
  }
}
