import { concatBytesTensors } from './bytes.js';
import { ChunkAssembler } from './chunks.js';
import { concatShape, type Merger } from './merge.js';
import { byteSize, type Tensor, type TensorSpec } from './tensor.js';

/**
 * `concat` of BYTES outputs. Elements vary in size, so where a partition's byte lands in the merged
 * tensor is known only once every earlier element is: each partition's bytes are assembled whole
 * (chunks may end inside an element), and the elements are laid out in `result()`. Along axis 0
 * (data parallelism) that is the partitions' bytes one after another.
 */
export class BytesConcatMerger implements Merger {
  readonly spec: TensorSpec;
  readonly #assemblers: ChunkAssembler[];
  readonly #axis: number;
  #merged: Buffer | undefined;

  /** `partSpecs[p]` is partition p's output spec from its header, `byteLength` included. */
  constructor(
    name: string,
    private readonly partSpecs: readonly TensorSpec[],
    axis: number,
  ) {
    const shape = concatShape(
      name,
      partSpecs.map((s) => s.shape),
      axis,
    );
    this.spec = { name, datatype: 'BYTES', shape };
    this.#axis = axis;
    this.#assemblers = partSpecs.map((s) => new ChunkAssembler(byteSize(s)));
  }

  /** Throws a RangeError naming the partition for a chunk outside its bytes or repeating some. */
  accept(partition: number, offset: number, data: Uint8Array): void {
    const problem = this.#assemblers[partition]!.accept(offset, data);
    if (problem) throw new RangeError(`${this.spec.name}: partition ${partition} ${problem}`);
    this.#merged = undefined;
  }

  /** A new attempt at `partition` begins: what it sent so far no longer counts. */
  restart(partition: number): void {
    this.#assemblers[partition] = new ChunkAssembler(this.#assemblers[partition]!.byteLength);
    this.#merged = undefined;
  }

  /** Throws a RangeError naming the partition when one sent too few bytes or malformed elements. */
  result(): Tensor {
    this.#assemblers.forEach((a, p) => {
      if (!a.complete)
        throw new RangeError(`${this.spec.name}: partition ${p} did not send all its ${a.byteLength} bytes`);
    });
    this.#merged ??= concatBytesTensors(
      this.spec.name,
      this.partSpecs.map((s, p) => ({ shape: s.shape, data: this.#assemblers[p]!.data })),
      this.spec.shape,
      this.#axis,
    );
    return { ...this.spec, data: this.#merged };
  }
}
