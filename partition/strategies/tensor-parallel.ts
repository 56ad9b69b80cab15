import {
  columnPart,
  columnRange,
  copyNode,
  denseLayerProducing,
  layerNodes,
  rowPart,
  type DenseLayer,
} from '../dense-layer.js';
import {
  consumersOf,
  describeNode,
  graphProto,
  producerOf,
  tensorValueInfo,
  valueDims,
  withGraph,
  type ModelProto,
  type NodeProto,
} from '../onnx-graph.js';
import {
  partitionEntry,
  planHeader,
  type PartitionedModel,
  type PlanIdentity,
} from '../partitioned-model.js';
import { SplitError } from '../split-error.js';

/**
 * Tensor parallelism, Megatron style, for graphs that are exactly one block:
 * - `splitMlp`: MatMul [+Add] → activation → MatMul [+Add]. Partition p holds W1[:, cols_p],
 *   b1[cols_p], W2[rows_p, :] (rows_p = cols_p), and b2 in partition 0 only; the input is
 *   replicated and the output gathered with `sum`.
 * - `splitColumns`: one MatMul [+Add] producing the model output. Partition p holds W[:, cols_p]
 *   and b[cols_p]; the output is gathered with `concat` on its last axis, bitwise equal to the
 *   unsplit model's.
 * Slices follow lib/tensor/scatter's splitSizes/splitOffsets, the router's own split.
 */
export interface TensorParallelOptions extends PlanIdentity {
  /** Number of partitions; at most the split dimension. */
  readonly partitions: number;
}

/** Element-wise activations that commute with a column split (each output reads one input). */
export const ELEMENTWISE_ACTIVATIONS: ReadonlySet<string> = new Set([
  'Relu',
  'Gelu',
  'Sigmoid',
  'Tanh',
  'LeakyRelu',
  'Elu',
  'Selu',
  'Celu',
  'Softplus',
  'Softsign',
  'HardSigmoid',
  'HardSwish',
  'Erf',
  'Mish',
  'ThresholdedRelu',
  'Identity',
]);

const STAGE = 'tensor';

function checkPartitions(partitions: number, length: number, node: NodeProto, what: string): void {
  if (!Number.isInteger(partitions) || partitions < 1)
    throw new RangeError(`partitions must be a positive integer, not ${partitions}`);
  if (partitions > length) {
    throw new SplitError(
      describeNode(node),
      `cannot split ${what} of ${length} into ${partitions} partitions`,
    );
  }
}

/** Throws naming the first non-Constant node of the graph that is not one of `block`. */
function requireOnly(model: ModelProto, block: readonly NodeProto[], strategy: string): void {
  const extra = model.graph.node.find((n) => n.opType !== 'Constant' && !block.includes(n));
  if (extra)
    throw new SplitError(
      describeNode(extra),
      `is outside the block that ${strategy} splits; the graph must be that block alone`,
    );
}

function singleOutput(model: ModelProto): string {
  if (model.graph.output.length !== 1) {
    throw new SplitError(
      model.graph.output.map((o) => o.name).join(', '),
      'tensor parallelism needs a model with exactly one output',
    );
  }
  return model.graph.output[0]!.name;
}

/** The MLP block producing the model's output, checked to be the whole graph. */
export function matchMlp(model: ModelProto): {
  first: DenseLayer;
  activation: NodeProto;
  second: DenseLayer;
} {
  const graph = model.graph;
  const second = denseLayerProducing(graph, singleOutput(model));
  const activation = producerOf(graph, second.input);
  if (!activation || !ELEMENTWISE_ACTIVATIONS.has(activation.opType) || activation.input.length !== 1) {
    const what = activation ? describeNode(activation) : second.input;
    throw new SplitError(
      what,
      `feeds ${describeNode(second.matmul)} but is not a one-input element-wise activation`,
    );
  }
  const first = denseLayerProducing(graph, activation.input[0]!);
  for (const [value, reader] of [
    [first.output, activation],
    [activation.output[0]!, second.matmul],
  ] as const) {
    const readers = consumersOf(graph, value);
    if (readers.length !== 1)
      throw new SplitError(
        describeNode(readers.find((r) => r !== reader) ?? reader),
        `also reads "${value}"`,
      );
  }
  if (first.weight.dims[1] !== second.weight.dims[0]) {
    throw new SplitError(
      describeNode(second.matmul),
      `has ${second.weight.dims[0]} rows, but the first layer makes ${first.weight.dims[1]} columns`,
    );
  }
  requireOnly(model, [...layerNodes(first), activation, ...layerNodes(second)], 'the MLP split');
  return { first, activation, second };
}

export function splitMlp(model: ModelProto, options: TensorParallelOptions): PartitionedModel {
  const { first, activation, second } = matchMlp(model);
  const n = options.partitions;
  checkPartitions(n, first.weight.dims[1]!, first.matmul, 'the hidden width');
  const models = Array.from({ length: n }, (_, p) => {
    const up = columnPart(first, n, p);
    const down = rowPart(second, n, p);
    const graph = graphProto({
      name: `${model.graph.name}-${STAGE}-${p}`,
      input: model.graph.input.filter((i) => i.name === first.input),
      output: model.graph.output,
      node: [...up.nodes, copyNode(activation), ...down.nodes],
      initializer: [...up.initializers, ...down.initializers],
    });
    return withGraph(model, graph);
  });
  const output = second.output;
  return {
    plan: {
      ...planHeader(model, options, 'tensor'),
      stages: [
        {
          name: STAGE,
          partitions: models.map((m, p) => partitionEntry(STAGE, p, m)),
          inputs: [{ name: first.input, scatter: { kind: 'replicate' } }],
          outputs: [{ name: output, gather: { kind: 'sum' } }],
        },
      ],
    },
    models: [models],
  };
}

export function splitColumns(model: ModelProto, options: TensorParallelOptions): PartitionedModel {
  const output = model.graph.output[0]!;
  const layer = denseLayerProducing(model.graph, singleOutput(model));
  requireOnly(model, layerNodes(layer), 'the column split');
  const n = options.partitions;
  const columns = layer.weight.dims[1]!;
  checkPartitions(n, columns, layer.matmul, 'the weight columns');
  const dims = valueDims(output);
  const elemType = output.type!.tensorType!.elemType!;
  const models = Array.from({ length: n }, (_, p) => {
    const part = columnPart(layer, n, p);
    const { size } = columnRange(columns, n, p);
    const partDims = dims?.map((d, i) => (i === dims.length - 1 && typeof d === 'number' ? size : d));
    const graph = graphProto({
      name: `${model.graph.name}-${STAGE}-${p}`,
      input: model.graph.input.filter((i) => i.name === layer.input),
      output: [tensorValueInfo(output.name, elemType, partDims)],
      node: part.nodes,
      initializer: part.initializers,
    });
    return withGraph(model, graph);
  });
  return {
    plan: {
      ...planHeader(model, options, 'tensor'),
      stages: [
        {
          name: STAGE,
          partitions: models.map((m, p) => partitionEntry(STAGE, p, m)),
          inputs: [{ name: layer.input, scatter: { kind: 'replicate' } }],
          outputs: [{ name: output.name, gather: { kind: 'concat', axis: dims ? dims.length - 1 : -1 } }],
        },
      ],
    },
    models: [models],
  };
}
