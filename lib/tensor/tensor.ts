import { bytesPerElement, type Datatype } from './dtype.js';

/** A dense tensor: row-major, little-endian, no padding — the layout of `raw_*_contents`. */
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
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

export function byteSize(spec: Pick<TensorSpec, 'datatype' | 'shape'>): number {
  return elementCount(spec.shape) * bytesPerElement(spec.datatype);
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
