import { bytesPerElement, type FixedDatatype } from './dtype.js';

/** The typed array each datatype is read through. FP16 has no typed array in Node 20: its raw bits. */
const ARRAYS = {
  FP32: Float32Array,
  FP64: Float64Array,
  INT64: BigInt64Array,
  UINT64: BigUint64Array,
  INT32: Int32Array,
  UINT32: Uint32Array,
  INT16: Int16Array,
  UINT16: Uint16Array,
  FP16: Uint16Array,
  INT8: Int8Array,
  UINT8: Uint8Array,
  BOOL: Uint8Array,
} as const;

export type TypedArrayFor<D extends FixedDatatype> = InstanceType<(typeof ARRAYS)[D]>;

/** Any typed array a tensor can be viewed as. */
export type TypedArray = TypedArrayFor<FixedDatatype>;

/**
 * A typed-array view over the bytes of a tensor (row-major, little-endian), sharing memory with
 * `bytes` when its offset is aligned for the type and copying the bytes otherwise (typed arrays
 * cannot start at a misaligned offset; buffers sliced from protobuf messages often do).
 * Writes through the view reach `bytes` only when no copy was made: callers that write must own
 * the buffer and should allocate it themselves.
 *
 * Throws a RangeError when `bytes` is not a whole number of elements.
 */
export function typedView<D extends FixedDatatype>(datatype: D, bytes: Uint8Array): TypedArrayFor<D> {
  const width = bytesPerElement(datatype);
  if (bytes.byteLength % width !== 0)
    throw new RangeError(`${bytes.byteLength} bytes are not a whole number of ${datatype} elements`);
  const aligned = bytes.byteOffset % width === 0 ? bytes : Uint8Array.prototype.slice.call(bytes);
  const View = ARRAYS[datatype];
  return new View(
    aligned.buffer as ArrayBuffer,
    aligned.byteOffset,
    aligned.byteLength / width,
  ) as TypedArrayFor<D>;
}

/** The bytes behind a typed array, without a copy. */
export function bytesOf(array: TypedArray): Buffer {
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength);
}
