/**
 * Element types as the Open Inference Protocol names them, with their byte widths and the names
 * ONNX Runtime uses. BYTES (variable-length strings) is not served: partitions exchange fixed-width
 * tensors only, so every byte size follows from the shape.
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
} as const;

export type Datatype = keyof typeof DATATYPES;

export function isDatatype(name: string): name is Datatype {
  return Object.hasOwn(DATATYPES, name);
}

export function bytesPerElement(datatype: Datatype): number {
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
};

export function datatypeFromOnnx(elemType: number): Datatype {
  const found = (Object.entries(ONNX_ELEM_TYPE) as [Datatype, number][]).find(([, n]) => n === elemType);
  if (!found) throw new TypeError(`ONNX element type ${elemType} is not served`);
  return found[0];
}
