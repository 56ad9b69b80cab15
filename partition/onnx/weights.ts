import { bytesPerElement, datatypeFromOnnx, ONNX_ELEM_TYPE } from '../../lib/tensor/dtype.js';
import { elementCount } from '../../lib/tensor/tensor.js';
import {
  describeNode,
  onnx,
  producerOf,
  toInt,
  type GraphProto,
  type ModelProto,
  type TensorProto,
} from './graph.js';
import { SplitError } from '../split-error.js';

/**
 * Constant FP32 weights, read and written the ways ONNX files hold them: a graph initializer, or a
 * `Constant` node whose `value` attribute is a TensorProto (as paddle2onnx exports do), with the
 * numbers in `raw_data` (little-endian) or `float_data`.
 */
export interface Weight {
  readonly name: string;
  readonly dims: readonly number[];
  readonly data: Float32Array;
}

const FLOAT = ONNX_ELEM_TYPE.FP32;

/** The TensorProto behind a constant value, or undefined when `name` is computed or fed. */
export function constantTensor(graph: GraphProto, name: string): TensorProto | undefined {
  const init = graph.initializer.find((t) => t.name === name);
  if (init) return init;
  const node = producerOf(graph, name);
  if (node?.opType !== 'Constant') return undefined;
  const value = node.attribute.find((a) => a.name === 'value');
  if (!value?.t)
    throw new SplitError(describeNode(node), 'only Constant nodes with a tensor `value` attribute are read');
  return value.t as TensorProto;
}

export function isConstant(graph: GraphProto, name: string): boolean {
  return graph.initializer.some((t) => t.name === name) || producerOf(graph, name)?.opType === 'Constant';
}

/** Reads a constant FP32 weight; `reader` names the node that needs it, for the error. */
export function readWeight(graph: GraphProto, name: string, reader: string): Weight {
  const tensor = constantTensor(graph, name);
  if (!tensor)
    throw new SplitError(reader, `input "${name}" is not a constant (initializer or Constant node)`);
  if (tensor.dataType !== FLOAT)
    throw new SplitError(reader, `weight "${name}" has ONNX element type ${tensor.dataType}, not FP32`);
  if (tensor.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
    throw new SplitError(reader, `weight "${name}" is stored as external data, which is not read yet`);
  }
  const dims = tensor.dims.map(toInt);
  const count = elementCount(dims);
  let data: Float32Array;
  if (tensor.rawData && tensor.rawData.length > 0) {
    // Copied into a fresh, aligned buffer: decoded raw_data is a view into the file's bytes at any
    // offset (and Buffer.slice would not copy).
    data = new Float32Array(new Uint8Array(tensor.rawData).buffer, 0, tensor.rawData.length / 4);
  } else {
    data = Float32Array.from(tensor.floatData);
  }
  if (data.length !== count)
    throw new SplitError(reader, `weight "${name}" holds ${data.length} numbers for dims [${dims}]`);
  return { name, dims, data };
}

/** An FP32 initializer holding `data` as raw little-endian bytes. */
export function makeInitializer(name: string, dims: readonly number[], data: Float32Array): TensorProto {
  return onnx.TensorProto.create({
    name,
    dims: [...dims],
    dataType: FLOAT,
    rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  });
}

export function weightToInitializer(weight: Weight): TensorProto {
  return makeInitializer(weight.name, weight.dims, weight.data);
}

/**
 * Columns [start, start + size) of a 2-D weight (the last axis); for a 1-D weight (a bias), the
 * elements in that range.
 */
export function sliceColumns(weight: Weight, start: number, size: number): Weight {
  if (weight.dims.length === 1) {
    return { ...weight, dims: [size], data: weight.data.slice(start, start + size) };
  }
  const [rows, cols] = twoDims(weight);
  const data = new Float32Array(rows * size);
  for (let r = 0; r < rows; r++)
    data.set(weight.data.subarray(r * cols + start, r * cols + start + size), r * size);
  return { ...weight, dims: [rows, size], data };
}

/** Rows [start, start + size) of a 2-D weight (the first axis). */
export function sliceRows(weight: Weight, start: number, size: number): Weight {
  const [, cols] = twoDims(weight);
  return { ...weight, dims: [size, cols], data: weight.data.slice(start * cols, (start + size) * cols) };
}

function twoDims(weight: Weight): [number, number] {
  if (weight.dims.length !== 2)
    throw new RangeError(`weight "${weight.name}" has dims [${weight.dims}], not 2-D`);
  return [weight.dims[0]!, weight.dims[1]!];
}

/** Bytes a constant tensor holds, by its dims and element type. */
export function tensorBytes(tensor: TensorProto): number {
  try {
    return elementCount(tensor.dims.map(toInt)) * bytesPerElement(datatypeFromOnnx(tensor.dataType));
  } catch {
    return tensor.rawData?.length ?? 0; // strings and other types not served: count what is stored
  }
}

/** Bytes of constants a model holds: initializers plus Constant node values, as the plan's `weightBytes`. */
export function weightBytes(model: ModelProto): number {
  const graph = model.graph!;
  let total = graph.initializer.reduce((n, t) => n + tensorBytes(t), 0);
  for (const node of graph.node) {
    if (node.opType !== 'Constant') continue;
    const value = node.attribute.find((a) => a.name === 'value')?.t;
    if (value) total += tensorBytes(value as TensorProto);
  }
  return total;
}
