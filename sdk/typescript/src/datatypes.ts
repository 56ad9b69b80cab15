/**
 * The Open Inference Protocol's tensor datatypes and the JavaScript array each one travels as.
 * FP16 and BF16 have no typed array in Node 20, so their raw 16-bit patterns are exposed as a
 * Uint16Array; BOOL is one byte per element (0 or 1) in a Uint8Array; BYTES is one Uint8Array per
 * element.
 */
export interface TensorDataOf {
  BOOL: Uint8Array;
  UINT8: Uint8Array;
  UINT16: Uint16Array;
  UINT32: Uint32Array;
  UINT64: BigUint64Array;
  INT8: Int8Array;
  INT16: Int16Array;
  INT32: Int32Array;
  INT64: BigInt64Array;
  FP16: Uint16Array;
  BF16: Uint16Array;
  FP32: Float32Array;
  FP64: Float64Array;
  BYTES: Uint8Array[];
}

/** A datatype name as it appears on the wire (`"FP32"`, `"INT64"`, `"BYTES"` …). */
export type DataType = keyof TensorDataOf;

/** A fixed-size datatype: every one but BYTES. */
export type NumericDataType = Exclude<DataType, 'BYTES'>;

/** Any typed array a fixed-size tensor may hold. */
export type NumericArray = TensorDataOf[NumericDataType];

/** A decoded tensor: its datatype decides the type of `data` (narrow on `datatype`). */
export type Tensor = {
  [D in DataType]: {
    readonly datatype: D;
    readonly shape: readonly number[];
    readonly data: TensorDataOf[D];
  };
}[DataType];

interface TypedArrayConstructor<A> {
  readonly BYTES_PER_ELEMENT: number;
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): A;
  new (length: number): A;
}

/** The typed array constructor of each fixed-size datatype; element size is its BYTES_PER_ELEMENT. */
export const ARRAY_OF: { readonly [D in NumericDataType]: TypedArrayConstructor<TensorDataOf[D]> } = {
  BOOL: Uint8Array,
  UINT8: Uint8Array,
  UINT16: Uint16Array,
  UINT32: Uint32Array,
  UINT64: BigUint64Array,
  INT8: Int8Array,
  INT16: Int16Array,
  INT32: Int32Array,
  INT64: BigInt64Array,
  FP16: Uint16Array,
  BF16: Uint16Array,
  FP32: Float32Array,
  FP64: Float64Array,
};

export const DATATYPES: readonly DataType[] = [...Object.keys(ARRAY_OF), 'BYTES'] as DataType[];

export function isDataType(name: string): name is DataType {
  return (DATATYPES as readonly string[]).includes(name);
}

/**
 * The datatype a typed array stands for when the caller names none. Uint8Array means UINT8 and
 * Uint16Array means UINT16: BOOL, FP16 and BF16 must be named.
 */
export function datatypeOf(data: NumericArray | readonly (string | Uint8Array)[]): DataType | undefined {
  if (Array.isArray(data)) return 'BYTES';
  if (data instanceof Float32Array) return 'FP32';
  if (data instanceof Float64Array) return 'FP64';
  if (data instanceof Int32Array) return 'INT32';
  if (data instanceof BigInt64Array) return 'INT64';
  if (data instanceof Uint8Array) return 'UINT8';
  if (data instanceof Int8Array) return 'INT8';
  if (data instanceof Int16Array) return 'INT16';
  if (data instanceof Uint16Array) return 'UINT16';
  if (data instanceof Uint32Array) return 'UINT32';
  if (data instanceof BigUint64Array) return 'UINT64';
  return undefined;
}

/** Elements in a tensor of `shape`; 1 for a scalar (shape []). */
export function elementCount(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}
