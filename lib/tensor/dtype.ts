/**
 * Element types as the Open Inference Protocol names them, with their byte widths and the names
 * ONNX Runtime uses. BYTES is the one variable-width type (ONNX string tensors): its elements travel
 * as a 4-byte little-endian length and that many bytes each (lib/tensor/bytes.ts), so its byte size
 * does not follow from the shape and `bytes` is 0 here; code that needs a width asks
 * `bytesPerElement`, which refuses BYTES.
 */
export const DATATYPES = {
  BOOL: { bytes: 1, ort: 'bool' },
  UINT8: { bytes: 1, ort: 'uint8' },
  UINT16: { bytes: 2, ort: 'uint16' },
  UINT32: { bytes: 4, ort: 'uint32' },
  UINT64: { bytes: 8, ort: 'uint64' },
  INT8: { bytes: 1, ort: 'int8' },
  INT16: { bytes: 2, ort: 'int16' },
  INT32: { bytes: 4, ort: 'int32' },
  INT64: { bytes: 8, ort: 'int64' },
  FP16: { bytes: 2, ort: 'float16' },
  FP32: { bytes: 4, ort: 'float32' },
  FP64: { bytes: 8, ort: 'float64' },
  BYTES: { bytes: 0, ort: 'string' },
} as const;

export type Datatype = keyof typeof DATATYPES;

export function isDatatype(name: string): name is Datatype {
  return Object.hasOwn(DATATYPES, name);
}

/** The datatypes whose elements all have one width: every one but BYTES. */
export type FixedDatatype = Exclude<Datatype, 'BYTES'>;

export function isFixedWidth(datatype: Datatype): datatype is FixedDatatype {
  return datatype !== 'BYTES';
}

/** Throws a TypeError for BYTES, whose elements have no fixed width: callers must handle it apart. */
export function bytesPerElement(datatype: Datatype): number {
  if (!isFixedWidth(datatype)) throw new TypeError('BYTES elements have no fixed width');
  return DATATYPES[datatype].bytes;
}

const BY_ORT = new Map(Object.entries(DATATYPES).map(([name, d]) => [d.ort as string, name as Datatype]));

export function datatypeFromOrt(ortType: string): Datatype {
  const datatype = BY_ORT.get(ortType);
  if (datatype === undefined)
    throw new TypeError(`ONNX Runtime type ${ortType} has no Open Inference Protocol datatype`);
  return datatype;
}

/** ONNX TensorProto.DataType numbers, used when reading and writing model files. */
export const ONNX_ELEM_TYPE: Record<Datatype, number> = {
  FP32: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  BOOL: 9,
  FP16: 10,
  FP64: 11,
  UINT32: 12,
  UINT64: 13,
  BYTES: 8,
};

export function datatypeFromOnnx(elemType: number): Datatype {
  const found = (Object.entries(ONNX_ELEM_TYPE) as [Datatype, number][]).find(([, n]) => n === elemType);
  if (!found) {
    const name = ONNX_TYPE_NAMES[elemType] ?? 'unknown';
    throw new TypeError(
      `ONNX element type ${elemType} (${name}) is not served; served: ${Object.keys(ONNX_ELEM_TYPE).join(', ')}`,
    );
  }
  return found[0];
}

/** TensorProto.DataType names of the types not served, for messages. */
const ONNX_TYPE_NAMES: Record<number, string> = {
  0: 'UNDEFINED',
  14: 'COMPLEX64',
  15: 'COMPLEX128',
  16: 'BFLOAT16',
  17: 'FLOAT8E4M3FN',
  18: 'FLOAT8E4M3FNUZ',
  19: 'FLOAT8E5M2',
  20: 'FLOAT8E5M2FNUZ',
  21: 'UINT4',
  22: 'INT4',
};
