import { ONNX_ELEM_TYPE } from '../../lib/tensor/dtype.js';
import { onnx, toInt, type TensorProto } from './graph.js';

/**
 * INT64 constants, as ONNX graphs hold shapes (a Reshape's target shape) and axes. Values are
 * JavaScript numbers: shapes and axes stay far below 2^53.
 */

const INT64 = ONNX_ELEM_TYPE.INT64;

/** A 1-D INT64 tensor holding `values` in `int64_data`. */
export function int64Tensor(name: string, values: readonly number[]): TensorProto {
  return onnx.TensorProto.create({ name, dims: [values.length], dataType: INT64, int64Data: [...values] });
}

/** The values of an INT64 tensor, from `int64_data` or `raw_data`; undefined for another type. */
export function readInt64s(tensor: TensorProto): number[] | undefined {
  if (tensor.dataType !== INT64) return undefined;
  if (tensor.rawData && tensor.rawData.length > 0) {
    const raw = tensor.rawData;
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    return Array.from({ length: raw.length / 8 }, (_, i) => Number(view.getBigInt64(i * 8, true)));
  }
  return tensor.int64Data.map(toInt);
}
