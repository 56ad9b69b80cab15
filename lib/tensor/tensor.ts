import { bytesPerElement, isFixedWidth, type Datatype } from './dtype.js';

/**
 * A dense tensor: row-major, little-endian, no padding — the layout of `raw_*_contents`. BYTES
 * tensors hold their length-prefixed elements (lib/tensor/bytes.ts).
 */
export interface Tensor {
  readonly name: string;
  readonly datatype: Datatype;
  readonly shape: readonly number[];
  readonly data: Buffer;
}

export interface TensorSpec {
  readonly name: string;
  readonly datatype: Datatype;
  readonly shape: readonly number[];
  /**
   * BYTES only: the serialized size, which the shape does not fix; set where a spec travels ahead
   * of its bytes (the shard protocol's headers). Other datatypes leave it out.
   */
  readonly byteLength?: number;
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

/** The tensor's bytes; for BYTES its `byteLength`, and a TypeError when that is not given. */
export function byteSize(spec: Pick<TensorSpec, 'datatype' | 'shape' | 'byteLength'>): number {
  if (isFixedWidth(spec.datatype)) return elementCount(spec.shape) * bytesPerElement(spec.datatype);
  if (spec.byteLength === undefined)
    throw new TypeError('the size of a BYTES tensor does not follow from its shape');
  return spec.byteLength;
}

/** Resolves a possibly negative axis against a rank, as numpy and ONNX do. */
export function normalizeAxis(axis: number, rank: number): number {
  const resolved = axis < 0 ? axis + rank : axis;
  if (resolved < 0 || resolved >= rank) throw new RangeError(`axis ${axis} is out of range for rank ${rank}`);
  return resolved;
}

/** Bytes spanned by one step along `axis`: the product of the later dims times the element width. */
export function strideBytes(spec: Pick<TensorSpec, 'datatype' | 'shape'>, axis: number): number {
  return elementCount(spec.shape.slice(axis + 1)) * bytesPerElement(spec.datatype);
}
