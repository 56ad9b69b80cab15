import { isUtf8 } from 'node:buffer';
import { normalizeAxis, elementCount, type Tensor } from './tensor.js';

/**
 * BYTES tensors in the Open Inference Protocol's serialized form, the one Triton's clients send in
 * `raw_input_contents` and read from `raw_output_contents`: each element, in row-major order, is a
 * 4-byte little-endian length followed by that many bytes. A `Tensor` of BYTES holds exactly this
 * form in `data`, so its byte size is known only once its elements are, never from its shape.
 */

/** Bytes of an element's length prefix. */
export const LENGTH_PREFIX_BYTES = 4;

/**
 * Where each of `count` elements starts in `data`, plus the end as a last entry (count + 1
 * offsets, each at an element's length prefix); or why `data` is not `count` elements exactly
 * (a prefix or element running past the end, or bytes left over), as a message without a name
 * for the caller to prefix.
 */
export function elementOffsets(data: Uint8Array, count: number): number[] | string {
  const offsets = new Array<number>(count + 1);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let at = 0;
  for (let i = 0; i < count; i++) {
    offsets[i] = at;
    if (at + LENGTH_PREFIX_BYTES > data.length)
      return `element ${i}'s 4-byte length prefix runs past the end of the ${data.length} bytes (shape needs ${count} elements)`;
    const length = view.getUint32(at, true);
    if (at + LENGTH_PREFIX_BYTES + length > data.length)
      return `element ${i}'s length prefix says ${length} bytes, past the end of the ${data.length} bytes`;
    at += LENGTH_PREFIX_BYTES + length;
  }
  offsets[count] = at;
  if (at !== data.length)
    return `${data.length - at} bytes are left after the ${count} elements the shape holds`;
  return offsets;
}

/** The elements of a serialized BYTES tensor of `count` elements, as views of `data`; throws a RangeError when malformed. */
export function decodeBytes(data: Uint8Array, count: number): Buffer[] {
  const offsets = elementOffsets(data, count);
  if (typeof offsets === 'string') throw new RangeError(offsets);
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Array.from({ length: count }, (_, i) =>
    bytes.subarray(offsets[i]! + LENGTH_PREFIX_BYTES, offsets[i + 1]!),
  );
}

/**
 * The index of the first element of a well-formed serialized tensor (`offsets` from
 * `elementOffsets`) that is not valid UTF-8, or -1. ONNX Runtime's string tensors reach it from
 * Node as JavaScript strings, so only text survives the trip unchanged.
 */
export function firstNonUtf8(data: Uint8Array, offsets: readonly number[]): number {
  for (let i = 0; i + 1 < offsets.length; i++) {
    const start = offsets[i]! + LENGTH_PREFIX_BYTES;
    if (!isUtf8(data.subarray(start, offsets[i + 1]!))) return i;
  }
  return -1;
}

/** Serializes elements (strings as UTF-8) into one buffer of length-prefixed elements. */
export function encodeBytes(elements: readonly (Uint8Array | string)[]): Buffer {
  const raw = elements.map((e) => (typeof e === 'string' ? Buffer.from(e, 'utf8') : e));
  const out = Buffer.allocUnsafe(raw.reduce((n, e) => n + LENGTH_PREFIX_BYTES + e.length, 0));
  let at = 0;
  for (const e of raw) {
    out.writeUInt32LE(e.length, at);
    out.set(e, at + LENGTH_PREFIX_BYTES);
    at += LENGTH_PREFIX_BYTES + e.length;
  }
  return out;
}

/**
 * Cuts a BYTES tensor into N slices along `axis` (numpy's array_split sizes, as splitTensor), each
 * holding whole elements. Along axis 0 a slice is a view of the tensor's bytes.
 */
export function splitBytesTensor(tensor: Tensor, axis: number, sizes: readonly number[]): Tensor[] {
  const a = normalizeAxis(axis, tensor.shape.length);
  const offsets = elementOffsets(tensor.data, elementCount(tensor.shape));
  if (typeof offsets === 'string') throw new RangeError(`${tensor.name}: ${offsets}`);
  const length = tensor.shape[a]!;
  const inner = elementCount(tensor.shape.slice(a + 1));
  const outer = elementCount(tensor.shape.slice(0, a));
  let from = 0;
  return sizes.map((size) => {
    const shape = tensor.shape.map((d, i) => (i === a ? size : d));
    // Element runs [o * length + from, o * length + from + size) * inner, for each outer index o.
    const runs: Buffer[] = [];
    for (let o = 0; o < outer; o++) {
      const first = (o * length + from) * inner;
      runs.push(tensor.data.subarray(offsets[first]!, offsets[first + size * inner]!));
    }
    from += size;
    return { ...tensor, shape, data: runs.length === 1 ? runs[0]! : Buffer.concat(runs) };
  });
}

/**
 * Concatenates BYTES tensors along `axis`; their shapes must agree off the axis (the caller checks,
 * as concatShape does). Along axis 0 this is the partitions' bytes one after another.
 */
export function concatBytesTensors(
  name: string,
  parts: readonly { shape: readonly number[]; data: Uint8Array }[],
  shape: readonly number[],
  axis: number,
): Buffer {
  const a = normalizeAxis(axis, shape.length);
  const outer = elementCount(shape.slice(0, a));
  const inner = elementCount(shape.slice(a + 1));
  const offsets = parts.map((p, i) => {
    const found = elementOffsets(p.data, elementCount(p.shape));
    if (typeof found === 'string') throw new RangeError(`${name}: partition ${i}: ${found}`);
    return found;
  });
  const runs: Uint8Array[] = [];
  for (let o = 0; o < outer; o++) {
    parts.forEach((p, i) => {
      const run = p.shape[a]! * inner;
      runs.push(p.data.subarray(offsets[i]![o * run]!, offsets[i]![(o + 1) * run]!));
    });
  }
  return Buffer.concat(runs);
}
