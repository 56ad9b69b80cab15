import { bytesPerElement, type FixedDatatype } from '../../lib/tensor/dtype.js';

/**
 * Memory for input bytes that arrive where their typed array cannot start. A call's input usually
 * lies inside the message it came in at an offset that is not a multiple of its element size (the
 * header's strings come first), and a typed array over it must be 2-, 4- or 8-byte aligned, so
 * `typedView` copied it into a fresh allocation on every call: 110 KiB of new memory per classifier
 * request for the garbage collector to sweep. Here the copy goes into a buffer kept from run to
 * run instead (the relay floor's model server, whose input happens to be aligned, copies nothing;
 * with the buffers kept, `paired-builds --model cls` read the mesh's p50 0.99× and its CPU 0.98×).
 *
 * Each run takes its own buffers and gives them back once ONNX Runtime has run: a run's inputs are
 * read only when its native run starts, after the calls queued before it built theirs, so runs
 * cannot share one buffer as they share output scratch. At most `keep` buffers, each at most
 * `maxBytes`, wait between runs; a larger input gets memory of its own, as before. Only an input
 * that came whole in one chunk can be misaligned (a larger one is assembled from its chunks into
 * memory of its own, pending-inputs.ts), and chunks are at most 3 MiB (router-options.ts), so the
 * default bound keeps every such buffer and at most 16 MiB in all.
 */
export class AlignedInputs {
  readonly #free: Uint8Array[] = [];

  constructor(
    private readonly keep = 4,
    private readonly maxBytes = 4 << 20,
  ) {}

  /** Bytes kept between runs. */
  get keptBytes(): number {
    return this.#free.reduce((n, b) => n + b.byteLength, 0);
  }

  /**
   * `bytes` where a `datatype` array can start over them: themselves when aligned, else a copy in
   * kept memory, which `taken` collects for `giveBack`.
   */
  align(datatype: FixedDatatype, bytes: Uint8Array, taken: Uint8Array[]): Uint8Array {
    if (bytes.byteOffset % bytesPerElement(datatype) === 0) return bytes;
    const buffer = this.#take(bytes.byteLength);
    buffer.set(bytes);
    taken.push(buffer);
    return buffer.subarray(0, bytes.byteLength);
  }

  /**
   * Returns buffers `align` handed out, once the run that read them is over. With more than `keep`
   * waiting, the smallest goes: the buffers kept are the ones that fit the most inputs.
   */
  giveBack(taken: readonly Uint8Array[]): void {
    for (const buffer of taken) {
      if (buffer.byteLength > this.maxBytes) continue;
      this.#free.push(buffer);
      if (this.#free.length > this.keep) this.#free.splice(this.#smallest(), 1);
    }
  }

  /** Lets every kept buffer go. */
  clear(): void {
    this.#free.length = 0;
  }

  #smallest(): number {
    let i = 0;
    for (let j = 1; j < this.#free.length; j++)
      if (this.#free[j]!.byteLength < this.#free[i]!.byteLength) i = j;
    return i;
  }

  /** The smallest free buffer that holds `length` bytes, or a new one (its own ArrayBuffer: offset 0). */
  #take(length: number): Uint8Array {
    let best = -1;
    for (let i = 0; i < this.#free.length; i++)
      if (
        this.#free[i]!.byteLength >= length &&
        (best < 0 || this.#free[i]!.byteLength < this.#free[best]!.byteLength)
      )
        best = i;
    return best < 0 ? new Uint8Array(length) : this.#free.splice(best, 1)[0]!;
  }
}
