import {
  graphProto,
  modelProto,
  nodeProto,
  onnx,
  tensorValueInfo,
  type GraphProto,
  type ModelProto,
  type NodeProto,
} from './onnx-graph.js';
import { elementCount, type Tensor } from '../lib/tensor/tensor.js';
import { makeInitializer } from './onnx-weights.js';

/**
 * Seeded synthetic models, for demos, tests and scale runs: the same options always give the same
 * bytes, so a model repository can be rebuilt anywhere and compared by hash.
 */

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const OPSET = 13;
const IR_VERSION = 8;

/** mulberry32: a small 32-bit PRNG, uniform in [0, 1). Deterministic per seed, unlike Math.random. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` numbers uniform in [-scale, scale), from `seed`. */
export function randomFloat32(count: number, seed: number, scale = 1): Float32Array {
  const next = mulberry32(seed);
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) data[i] = (next() * 2 - 1) * scale;
  return data;
}

/** An FP32 tensor of seeded uniform numbers in [-scale, scale), for feeding models in tests. */
export function randomTensor(name: string, shape: readonly number[], seed: number, scale = 1): Tensor {
  const data = randomFloat32(elementCount(shape), seed, scale);
  return {
    name,
    datatype: 'FP32',
    shape: [...shape],
    data: Buffer.from(data.buffer, data.byteOffset, data.byteLength),
  };
}

export type Activation = 'Relu' | 'Sigmoid' | 'Tanh' | 'Gelu';

export interface MlpOptions {
  readonly inputDim: number;
  readonly hiddenDim: number;
  readonly outputDim: number;
  readonly seed: number;
  /** Between the two layers. 'Gelu' is an opset-20 op, so it raises the opset import. @default 'Relu' */
  readonly activation?: Activation;
}

/**
 * Two dense layers: `x` [batch, in] → MatMul W1 [in, hidden] → Add b1 → activation → MatMul W2
 * [hidden, out] → Add b2 → `y` [batch, out], FP32. Weights and biases are uniform in
 * ±1/sqrt(fan_in), so activations keep their scale through any width.
 */
export function mlp(options: MlpOptions): ModelProto {
  const { inputDim, hiddenDim, outputDim, seed } = options;
  const activation = options.activation ?? 'Relu';
  const s1 = 1 / Math.sqrt(inputDim);
  const s2 = 1 / Math.sqrt(hiddenDim);
  const graph = graphProto({
    name: 'mlp',
    input: [tensorValueInfo('x', FLOAT, ['batch', inputDim])],
    output: [tensorValueInfo('y', FLOAT, ['batch', outputDim])],
    initializer: [
      makeInitializer('W1', [inputDim, hiddenDim], randomFloat32(inputDim * hiddenDim, seed, s1)),
      makeInitializer('b1', [hiddenDim], randomFloat32(hiddenDim, seed + 1, s1)),
      makeInitializer('W2', [hiddenDim, outputDim], randomFloat32(hiddenDim * outputDim, seed + 2, s2)),
      makeInitializer('b2', [outputDim], randomFloat32(outputDim, seed + 3, s2)),
    ],
    node: [
      node('MatMul', 'fc1', ['x', 'W1'], 'fc1_out'),
      node('Add', 'fc1_bias', ['fc1_out', 'b1'], 'fc1_biased'),
      node(activation, 'act', ['fc1_biased'], 'hidden'),
      node('MatMul', 'fc2', ['hidden', 'W2'], 'fc2_out'),
      node('Add', 'fc2_bias', ['fc2_out', 'b2'], 'y'),
    ],
  });
  return model(graph, activation === 'Gelu' ? 20 : OPSET);
}

export interface OuterOptions {
  readonly rows: number;
  readonly cols: number;
  readonly seed: number;
}

/**
 * A huge output from tiny inputs, for streaming tests: `y` [rows, cols] = MatMul(`a` [rows, 1], `b`
 * [1, cols]) with `b` an initializer. rows = cols = 4096 gives a 64 MiB output from 16 KiB in.
 */
export function outer(options: OuterOptions): ModelProto {
  const { rows, cols, seed } = options;
  const graph = graphProto({
    name: 'outer',
    input: [tensorValueInfo('a', FLOAT, [rows, 1])],
    output: [tensorValueInfo('y', FLOAT, [rows, cols])],
    initializer: [makeInitializer('b', [1, cols], randomFloat32(cols, seed))],
    node: [node('MatMul', 'outer', ['a', 'b'], 'y')],
  });
  return model(graph, OPSET);
}

function node(opType: string, name: string, input: string[], output: string): NodeProto {
  return nodeProto({ opType, name, input, output: [output] });
}

function model(graph: GraphProto, opset: number): ModelProto {
  return modelProto({
    irVersion: opset >= 20 ? 9 : IR_VERSION,
    producerName: 'shardmesh',
    opsetImport: [{ domain: '', version: opset }],
    graph,
  });
}
