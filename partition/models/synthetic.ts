import {
  graphProto,
  modelProto,
  nodeProto,
  onnx,
  tensorValueInfo,
  type AttributeProto,
  type GraphProto,
  type ModelProto,
  type NodeProto,
  type TensorProto,
} from '../onnx/graph.js';
import { elementCount, type Tensor } from '../../lib/tensor/tensor.js';
import { makeInitializer } from '../onnx/weights.js';
import { int64Tensor } from '../onnx/int64.js';
import { mulberry32 } from '../../lib/random.js';

/**
 * Seeded synthetic models, for demos, tests and scale runs: the same options always give the same
 * bytes, so a model repository can be rebuilt anywhere and compared by hash. The transformer block
 * lives in synthetic-transformer.ts, the ≥ 1 GiB scale models in synthetic-scale.ts.
 */

export const FLOAT = onnx.TensorProto.DataType.FLOAT;
const OPSET = 13;
const IR_VERSION = 8;

export { mulberry32 };

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

/**
 * Where a generated model keeps its constants: graph initializers, or `Constant` nodes whose
 * `value` attribute holds the tensor (as paddle2onnx and some PyTorch exports do).
 */
export type WeightsAs = 'initializer' | 'constant';

/** Collects a generated graph's constants in the form `weightsAs` asks for. */
export class WeightSink {
  readonly initializers: TensorProto[] = [];
  /** Constant nodes, to be placed before every other node. */
  readonly constants: NodeProto[] = [];

  constructor(readonly weightsAs: WeightsAs = 'initializer') {}

  /** An FP32 constant of seeded numbers uniform in [-scale, scale); returns its name. */
  random(name: string, dims: readonly number[], seed: number, scale: number): string {
    return this.add(makeInitializer(name, dims, randomFloat32(elementCount(dims), seed, scale)));
  }

  /** An INT64 constant, as Reshape's target shape; returns its name. */
  int64(name: string, values: readonly number[]): string {
    return this.add(int64Tensor(name, values));
  }

  add(tensor: TensorProto): string {
    if (this.weightsAs === 'initializer') this.initializers.push(tensor);
    else this.constants.push(constantNode(tensor));
    return tensor.name;
  }
}

/** A Constant node producing `tensor` under its name. */
export function constantNode(tensor: TensorProto): NodeProto {
  const value = { name: 'value', type: onnx.AttributeProto.AttributeType.TENSOR, t: tensor };
  return nodeProto({
    opType: 'Constant',
    name: `${tensor.name}.const`,
    input: [],
    output: [tensor.name],
    attribute: [onnx.AttributeProto.create(value) as AttributeProto],
  });
}

export interface MlpOptions {
  readonly inputDim: number;
  readonly hiddenDim: number;
  readonly outputDim: number;
  readonly seed: number;
  /** Between the two layers. 'Gelu' is an opset-20 op, so it raises the opset import. @default 'Relu' */
  readonly activation?: Activation;
  /**
   * Blocks chained one after another; block i > 0 maps outputDim → hiddenDim → outputDim. Block 0
   * keeps the one-block model's names (W1, fc1, ...), block i > 0 prefixes them with `block<i>.`.
   * @default 1
   */
  readonly blocks?: number;
  /** @default 'initializer' */
  readonly weightsAs?: WeightsAs;
}

/**
 * Dense blocks: `x` [batch, in] → MatMul W1 [in, hidden] → Add b1 → activation → MatMul W2
 * [hidden, out] → Add b2 → (the next block, or) `y` [batch, out], FP32. Weights and biases are
 * uniform in ±1/sqrt(fan_in), so activations keep their scale through any width. Values between
 * blocks are declared in value_info. inputDim 4096, hiddenDim 16384 and 2 blocks hold 1 GiB.
 */
export function mlp(options: MlpOptions): ModelProto {
  const { inputDim, hiddenDim, outputDim, seed } = options;
  const activation = options.activation ?? 'Relu';
  const blocks = options.blocks ?? 1;
  if (!Number.isInteger(blocks) || blocks < 1)
    throw new RangeError(`blocks must be a positive integer, not ${blocks}`);
  const sink = new WeightSink(options.weightsAs);
  const nodes: NodeProto[] = [];
  const between = [];
  let input = 'x';
  for (let i = 0; i < blocks; i++) {
    const id = (name: string) => (i === 0 ? name : `block${i}.${name}`);
    const fanIn = i === 0 ? inputDim : outputDim;
    const s1 = 1 / Math.sqrt(fanIn);
    const s2 = 1 / Math.sqrt(hiddenDim);
    const at = seed + 4 * i;
    const w1 = sink.random(id('W1'), [fanIn, hiddenDim], at, s1);
    const b1 = sink.random(id('b1'), [hiddenDim], at + 1, s1);
    const w2 = sink.random(id('W2'), [hiddenDim, outputDim], at + 2, s2);
    const b2 = sink.random(id('b2'), [outputDim], at + 3, s2);
    const output = i === blocks - 1 ? 'y' : `block${i}.out`;
    if (output !== 'y') between.push(tensorValueInfo(output, FLOAT, ['batch', outputDim]));
    nodes.push(
      node('MatMul', id('fc1'), [input, w1], id('fc1_out')),
      node('Add', id('fc1_bias'), [id('fc1_out'), b1], id('fc1_biased')),
      node(activation, id('act'), [id('fc1_biased')], id('hidden')),
      node('MatMul', id('fc2'), [id('hidden'), w2], id('fc2_out')),
      node('Add', id('fc2_bias'), [id('fc2_out'), b2], output),
    );
    input = output;
  }
  const graph = graphProto({
    name: 'mlp',
    input: [tensorValueInfo('x', FLOAT, ['batch', inputDim])],
    output: [tensorValueInfo('y', FLOAT, ['batch', outputDim])],
    valueInfo: between,
    initializer: sink.initializers,
    node: [...sink.constants, ...nodes],
  });
  return syntheticModel(graph, activation === 'Gelu' ? 20 : OPSET);
}

/**
 * A 1 → 2 → 1 MLP whose tensor-parallel split really differs from it, for tests of a verification
 * that must fail: both hidden units are 2^25 whatever `x` is, W2 = [1, -1] and b2 = 1. Unsplit, the
 * second MatMul cancels exactly (any order of its two products) and the Add gives y = 1. Split in
 * two, the partition that adds the bias computes 2^25 + 1, which FP32 rounds to 2^25 (its spacing
 * there is 4), and the sum of the partitions gives 0: wrong by 1, relative to a scale of 1.
 */
export function cancellingMlp(): ModelProto {
  const model = mlp({ inputDim: 1, hiddenDim: 2, outputDim: 1, seed: 1 });
  const values: Record<string, readonly number[]> = {
    W1: [0, 0],
    b1: [2 ** 25, 2 ** 25],
    W2: [1, -1],
    b2: [1],
  };
  model.graph.initializer = model.graph.initializer.map((t) =>
    makeInitializer(t.name, t.dims.map(Number), Float32Array.from(values[t.name]!)),
  );
  return model;
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
  return syntheticModel(graph, OPSET);
}

/** A node with one output; `attribute` as AttributeProto fields. */
export function node(
  opType: string,
  name: string,
  input: string[],
  output: string,
  attribute: Partial<AttributeProto>[] = [],
): NodeProto {
  const attributes = attribute.map((a) => onnx.AttributeProto.create(a) as AttributeProto);
  return nodeProto({ opType, name, input, output: [output], attribute: attributes });
}

/** A model around `graph` importing the default domain at `opset`. */
export function syntheticModel(graph: GraphProto, opset: number): ModelProto {
  return modelProto({
    irVersion: opset >= 20 ? 9 : IR_VERSION,
    producerName: 'shardmesh',
    opsetImport: [{ domain: '', version: opset }],
    graph,
  });
}
