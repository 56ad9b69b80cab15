import { bytesPerElement, isFixedWidth, type Datatype, type FixedDatatype } from './dtype.js';
import { concatBytesTensors } from './bytes.js';
import { byteSize, normalizeAxis, strideBytes, type Tensor, type TensorSpec } from './tensor.js';
import { bytesOf, typedView } from './typed-view.js';
import { allocateOutput } from './output-buffers.js';
import { ByteRanges } from './chunks.js';

/**
 * Streaming gathers: a merger owns the destination buffer and takes partition chunks in any order
 * as they arrive, so the router merges while bytes are still on the wire. Merging is pure data
 * work with no I/O; callers decide when every chunk has arrived.
 */
export interface Merger {
  readonly spec: TensorSpec;
  /** Writes `data`, which starts `offset` bytes into partition `partition`'s output. */
  accept(partition: number, offset: number, data: Uint8Array): void;
  /** The merged tensor, once all partitions' bytes were accepted; every call gives the same values. */
  result(): Tensor;
}

/** Shape of the concatenation of `shapes` along `axis`; throws naming the mismatching dim. */
export function concatShape(name: string, shapes: readonly (readonly number[])[], axis: number): number[] {
  const first = shapes[0]!;
  const a = normalizeAxis(axis, first.length);
  shapes.forEach((shape, p) => {
    if (shape.length !== first.length || shape.some((d, i) => i !== a && d !== first[i])) {
      throw new RangeError(
        `${name}: partition ${p} has shape [${shape}], not concatenable with [${first}] on axis ${a}`,
      );
    }
  });
  return first.map((d, i) => (i === a ? shapes.reduce((n, s) => n + s[a]!, 0) : d));
}

/**
 * Concatenation in place: each chunk is copied once, straight to where it belongs in the merged
 * tensor. The destination may be a reused buffer holding another tensor's bytes, so the merger
 * counts what each partition sent and `result()` refuses a tensor with bytes missing; `restart`
 * starts a partition's count again for a retried attempt, which rewrites the same region.
 */
export class ConcatMerger implements Merger {
  readonly spec: TensorSpec;
  readonly #data: Buffer;
  readonly #destRow: number;
  readonly #rows: number[];
  readonly #starts: number[];
  readonly #partBytes: number[];
  readonly #received: number[];
  /** Per partition: a reused, unzeroed buffer is fully written only if no chunk overlaps another. */
  readonly #ranges: ByteRanges[];

  /** `partShapes[p]` is partition p's output shape, known from its output header. */
  constructor(name: string, datatype: Datatype, partShapes: readonly (readonly number[])[], axis: number) {
    const shape = concatShape(name, partShapes, axis);
    const a = normalizeAxis(axis, shape.length);
    this.spec = { name, datatype, shape };
    // The merged tensor is the response's raw_output_contents itself: headroom lets the V2 encoder
    // put the message header in front of it instead of copying it.
    this.#data = allocateOutput(byteSize(this.spec), { zeroFill: false });
    const inner = strideBytes(this.spec, a);
    this.#partBytes = partShapes.map((s) => byteSize({ datatype, shape: s }));
    this.#received = partShapes.map(() => 0);
    this.#ranges = partShapes.map(() => new ByteRanges());
    this.#destRow = shape[a]! * inner;
    this.#rows = partShapes.map((s) => s[a]! * inner);
    let at = 0;
    this.#starts = partShapes.map((s) => {
      const start = at;
      at += s[a]! * inner;
      return start;
    });
  }

  accept(partition: number, offset: number, data: Uint8Array): void {
    const row = this.#rows[partition]!;
    const start = this.#starts[partition]!;
    if (offset < 0 || offset + data.length > this.#partBytes[partition]!) {
      throw new RangeError(
        `${this.spec.name}: partition ${partition} chunk at byte ${offset} (${data.length} bytes) ends past its ${this.#partBytes[partition]} bytes`,
      );
    }
    // The buffer may be reused and is not zero-filled: "all bytes counted" means "every byte
    // written" only without overlap, so a repeated chunk cannot leave another response's bytes.
    const overlap = this.#ranges[partition]!.add(offset, offset + data.length);
    if (overlap !== undefined) throw new RangeError(`${this.spec.name}: partition ${partition} ${overlap}`);
    this.#received[partition]! += data.length;
    let done = 0;
    // A chunk may cross the partition's row boundaries; each row lands in its own destination run.
    while (done < data.length) {
      const at = offset + done;
      const outer = Math.floor(at / row);
      const within = at - outer * row;
      const take = Math.min(row - within, data.length - done);
      // A plain Uint8Array view: Buffer#subarray costs several times more, once per row.
      const run = take === data.length ? data : new Uint8Array(data.buffer, data.byteOffset + done, take);
      this.#data.set(run, outer * this.#destRow + start + within);
      done += take;
    }
  }

  /**
   * How many bytes from the start of the merged tensor every partition's current attempt has
   * written: a response may send them before the rest arrives. A partition's bytes count once
   * they join its run from offset 0 (shards send in order, so that is every byte as it lands).
   * It goes down when a partition restarts; bytes sent before were written by an earlier attempt
   * of the same partition, which computed the same elements.
   */
  writtenPrefix(): number {
    const rows = this.#rows;
    if (this.#destRow === 0) return 0;
    const outer = this.#data.length / this.#destRow;
    // Whole destination rows: as many as the partition with the fewest whole rows has sent.
    let whole = outer;
    rows.forEach((row, p) => {
      if (row > 0) whole = Math.min(whole, Math.floor(this.#ranges[p]!.prefixEnd / row));
    });
    if (whole === outer) return this.#data.length;
    // Then, within the next row, each partition's part in order, up to the first one not there.
    let bytes = whole * this.#destRow;
    for (let p = 0; p < rows.length; p++) {
      const sent = this.#ranges[p]!.prefixEnd - whole * rows[p]!;
      if (sent < rows[p]!) return bytes + Math.max(0, sent);
      bytes += rows[p]!;
    }
    return bytes;
  }

  /** The merged tensor's bytes as they are now; `writtenPrefix` says how many of them are final. */
  get destination(): Buffer {
    return this.#data;
  }

  /** A new attempt at `partition` begins: what it sent so far no longer counts. */
  restart(partition: number): void {
    this.#received[partition] = 0;
    this.#ranges[partition] = new ByteRanges();
  }

  /** Throws a RangeError naming the partition when one has not sent all its bytes. */
  result(): Tensor {
    this.#received.forEach((got, p) => {
      if (got !== this.#partBytes[p])
        throw new RangeError(
          `${this.spec.name}: partition ${p} sent ${got} bytes of its ${this.#partBytes[p]}`,
        );
    });
    return { ...this.spec, data: this.#data };
  }
}

// FP16 is read as its raw bits and BOOL as bytes: adding those would be wrong, not just lossy.
const NOT_ADDABLE: ReadonlySet<Datatype> = new Set(['FP16', 'BOOL', 'BYTES']);

/**
 * Element-wise sum (or mean) of equally shaped partition outputs. Float addition is commutative, so
 * with two partitions the arrival order cannot change a bit; with more, results may differ from a
 * fixed order in the last place, which is within the plan's tolerance for `sum`.
 */
export class SumMerger implements Merger {
  readonly spec: TensorSpec;
  readonly #datatype: FixedDatatype;
  readonly #data: Buffer;
  readonly #partitions: number;
  readonly #mean: boolean;

  constructor(name: string, datatype: Datatype, partShapes: readonly (readonly number[])[], mean = false) {
    const first = partShapes[0]!;
    partShapes.forEach((shape, p) => {
      if (shape.length !== first.length || shape.some((d, i) => d !== first[i])) {
        throw new RangeError(
          `${name}: partition ${p} has shape [${shape}], other partitions [${first}]; sum needs equal shapes`,
        );
      }
    });
    if (NOT_ADDABLE.has(datatype) || !isFixedWidth(datatype))
      throw new TypeError(`${name}: cannot add ${datatype} tensors`);
    this.#datatype = datatype;
    if (mean && datatype !== 'FP32' && datatype !== 'FP64')
      throw new TypeError(`${name}: mean needs FP32 or FP64, not ${datatype}`);
    this.spec = { name, datatype, shape: [...first] };
    this.#data = allocateOutput(byteSize(this.spec));
    this.#partitions = partShapes.length;
    this.#mean = mean;
  }

  accept(_partition: number, offset: number, data: Uint8Array): void {
    const width = bytesPerElement(this.#datatype);
    if (offset % width !== 0 || data.length % width !== 0) {
      throw new RangeError(
        `${this.spec.name}: chunk at byte ${offset} (${data.length} bytes) splits an element`,
      );
    }
    if (offset + data.length > this.#data.length) {
      throw new RangeError(
        `${this.spec.name}: chunk at byte ${offset} (${data.length} bytes) ends past the tensor's ${this.#data.length} bytes`,
      );
    }
    // #data is ours and aligned, so `into` writes through; `from` may be a copy of an unaligned chunk.
    const into = typedView(this.#datatype, this.#data.subarray(offset, offset + data.length));
    const from = typedView(this.#datatype, data);
    if (into instanceof BigInt64Array || into instanceof BigUint64Array) {
      const src = from as BigInt64Array | BigUint64Array;
      for (let i = 0; i < into.length; i++) into[i]! += src[i]!;
    } else {
      const src = from as Exclude<typeof from, BigInt64Array | BigUint64Array>;
      for (let i = 0; i < into.length; i++) into[i]! += src[i]!;
    }
  }

  /** The sum, or the mean; the sum is kept, so every call gives the same tensor. */
  result(): Tensor {
    if (!this.#mean) return { ...this.spec, data: this.#data };
    const sums = typedView(this.#datatype, this.#data) as Float32Array | Float64Array;
    const means = sums.map((sum) => sum / this.#partitions);
    return { ...this.spec, data: bytesOf(means) };
  }
}

/** Whole-tensor convenience over the streaming mergers, for in-process verification. */
export function concatTensors(parts: readonly Tensor[], axis: number): Tensor {
  const first = parts[0]!;
  if (first.datatype === 'BYTES') {
    const shape = concatShape(
      first.name,
      parts.map((p) => p.shape),
      axis,
    );
    return {
      name: first.name,
      datatype: 'BYTES',
      shape,
      data: concatBytesTensors(first.name, parts, shape, axis),
    };
  }
  const merger = new ConcatMerger(
    first.name,
    first.datatype,
    parts.map((p) => p.shape),
    axis,
  );
  parts.forEach((p, i) => merger.accept(i, 0, p.data));
  return merger.result();
}

export function sumTensors(parts: readonly Tensor[], mean = false): Tensor {
  const first = parts[0]!;
  const merger = new SumMerger(
    first.name,
    first.datatype,
    parts.map((p) => p.shape),
    mean,
  );
  parts.forEach((p, i) => merger.accept(i, 0, p.data));
  return merger.result();
}
