import { normalizeAxis, strideBytes, type Tensor } from './tensor.js';
import { splitBytesTensor } from './bytes.js';

/** Sizes of N near-equal slices of `length`, larger ones first: numpy's array_split. */
export function splitSizes(length: number, parts: number): number[] {
  const base = Math.floor(length / parts);
  const extra = length % parts;
  return Array.from({ length: parts }, (_, p) => base + (p < extra ? 1 : 0));
}

/** Start of each slice along the split axis. */
export function splitOffsets(length: number, parts: number): number[] {
  const offsets: number[] = [];
  let at = 0;
  for (const size of splitSizes(length, parts)) {
    offsets.push(at);
    at += size;
  }
  return offsets;
}

/**
 * Cuts a tensor into N slices along `axis`. Slices along axis 0 share the tensor's memory; others
 * are copied row by row, since row-major slices along an inner axis are not contiguous. A BYTES
 * tensor whose prefixes do not add up throws a RangeError naming it (the router checks them first).
 */
export function splitTensor(tensor: Tensor, axis: number, parts: number): Tensor[] {
  const a = normalizeAxis(axis, tensor.shape.length);
  // BYTES elements vary in size: cut at element boundaries found by reading the length prefixes.
  if (tensor.datatype === 'BYTES') return splitBytesTensor(tensor, a, splitSizes(tensor.shape[a]!, parts));
  const length = tensor.shape[a]!;
  const inner = strideBytes(tensor, a);
  const outer = tensor.shape.slice(0, a).reduce((n, d) => n * d, 1);
  const sizes = splitSizes(length, parts);
  const offsets = splitOffsets(length, parts);
  return sizes.map((size, p) => {
    const shape = tensor.shape.map((d, i) => (i === a ? size : d));
    const run = size * inner;
    if (outer === 1) {
      const start = offsets[p]! * inner;
      return { ...tensor, shape, data: tensor.data.subarray(start, start + run) };
    }
    const data = Buffer.allocUnsafe(outer * run);
    for (let o = 0; o < outer; o++) {
      const from = o * length * inner + offsets[p]! * inner;
      tensor.data.copy(data, o * run, from, from + run);
    }
    return { ...tensor, shape, data };
  });
}
