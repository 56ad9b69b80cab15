import { bytesPerElement, isFixedWidth, type Datatype } from './dtype.js';

/** Largest chunk payload on the router–shard path: 1 MiB, a quarter of gRPC's default message limit. */
export const DEFAULT_CHUNK_BYTES = 1 << 20;

/**
 * Yields [offset, bytes] runs of at most `chunkBytes`, each holding whole elements, so a receiver
 * that adds chunks element-wise never sees half an element. BYTES runs are cut at any byte: their
 * receivers (ChunkAssembler on a shard, BytesConcatMerger on the router) hold a tensor's whole byte
 * stream before decoding any element, and nothing adds BYTES element-wise.
 */
export function* chunkRanges(
  byteLength: number,
  datatype: Datatype,
  chunkBytes: number,
): Generator<[number, number]> {
  const width = isFixedWidth(datatype) ? bytesPerElement(datatype) : 1;
  const step = Math.max(width, chunkBytes - (chunkBytes % width));
  for (let offset = 0; offset < byteLength; offset += step)
    yield [offset, Math.min(step, byteLength - offset)];
}

/**
 * The byte ranges of one tensor received so far, [start, end), sorted and merged where they touch.
 * In-order chunks cost O(1) each. Overlap is the sender's bug and is refused.
 */
export class ByteRanges {
  readonly #ranges: [number, number][] = [];

  /** Records [offset, end) and returns undefined, or returns why it overlaps what came before. */
  add(offset: number, end: number): string | undefined {
    if (end <= offset) return undefined;
    let i = this.#ranges.length;
    while (i > 0 && this.#ranges[i - 1]![1] > offset) i--;
    const before = this.#ranges[i - 1];
    const after = this.#ranges[i];
    if (after && after[0] < end) return `chunk [${offset}, ${end}) overlaps bytes already received`;
    if (before && before[1] === offset) {
      before[1] = after && after[0] === end ? after[1] : end;
      if (after && after[0] === end) this.#ranges.splice(i, 1);
    } else if (after && after[0] === end) after[0] = offset;
    else this.#ranges.splice(i, 0, [offset, end]);
    return undefined;
  }

  /** Where the run of bytes received from offset 0 ends (0 while byte 0 has not arrived). */
  get prefixEnd(): number {
    const first = this.#ranges[0];
    return first && first[0] === 0 ? first[1] : 0;
  }
}

/**
 * Collects one tensor's chunks into a buffer of the declared size and says when every byte has
 * arrived. Overlapping or out-of-range chunks are the sender's bug and are refused.
 */
export class ChunkAssembler {
  readonly data: Buffer;
  #received = 0;
  readonly #ranges = new ByteRanges();

  constructor(readonly byteLength: number) {
    this.data = Buffer.allocUnsafe(byteLength);
  }

  /** Returns an error message, or undefined when the chunk was taken. */
  accept(offset: number, chunk: Uint8Array): string | undefined {
    if (offset < 0 || offset + chunk.length > this.byteLength) {
      return `chunk [${offset}, ${offset + chunk.length}) is outside the tensor's ${this.byteLength} bytes`;
    }
    const overlap = this.#ranges.add(offset, offset + chunk.length);
    if (overlap !== undefined) return overlap;
    this.data.set(chunk, offset);
    this.#received += chunk.length;
    if (this.#received > this.byteLength) return `more bytes than the tensor's ${this.byteLength} arrived`;
    return undefined;
  }

  get complete(): boolean {
    return this.#received === this.byteLength;
  }
}
