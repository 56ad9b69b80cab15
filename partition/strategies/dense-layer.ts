import { splitOffsets, splitSizes } from '../../lib/tensor/scatter.js';
import {
  consumersOf,
  describeNode,
  nodeProto,
  producerOf,
  type GraphProto,
  type NodeProto,
  type TensorProto,
} from '../onnx/graph.js';
import { isConstant, readWeight, sliceColumns, weightToInitializer, type Weight } from '../onnx/weights.js';
import { SplitError } from '../split-error.js';

/**
 * A dense layer as exporters write it: MatMul(input, W [K, C]) with W constant, optionally followed
 * by Add(·, b [C]) with b constant. Strategies cut such layers by columns (each partition computes
 * some outputs) or by rows (each computes a partial sum of all outputs), rebuilding them with the
 * original nodes, so a partition keeps the unsplit graph's op structure and ONNX Runtime fuses
 * both alike.
 */
export interface DenseLayer {
  readonly matmul: NodeProto;
  /** The activations the MatMul reads (its first input). */
  readonly input: string;
  readonly weight: Weight;
  readonly bias?: { readonly node: NodeProto; readonly weight: Weight };
  /** The layer's result: the Add's output with a bias, else the MatMul's. */
  readonly output: string;
}

/** The layer whose MatMul is `matmul`, taking a following bias Add into it when there is one. */
export function denseLayerAt(graph: GraphProto, matmul: NodeProto): DenseLayer {
  const where = describeNode(matmul);
  if (matmul.opType !== 'MatMul') throw new SplitError(where, 'is not a MatMul');
  const [input, weightName] = matmul.input;
  if (!input || !weightName) throw new SplitError(where, 'needs two inputs');
  if (isConstant(graph, input))
    throw new SplitError(where, 'has a constant first input; only MatMul(activations, weight) is split');
  const weight = readWeight(graph, weightName, where);
  if (weight.dims.length !== 2)
    throw new SplitError(where, `weight "${weightName}" has dims [${weight.dims}], not [K, C]`);
  const out = matmul.output[0]!;
  const readers = consumersOf(graph, out);
  const add = readers.length === 1 && readers[0]!.opType === 'Add' ? readers[0]! : undefined;
  const biasName = add?.input.find((name) => name !== out);
  if (add && biasName && isConstant(graph, biasName) && !graph.output.some((o) => o.name === out)) {
    const bias = readWeight(graph, biasName, describeNode(add));
    if (bias.dims.length === 1 && bias.dims[0] === weight.dims[1]) {
      return { matmul, input, weight, bias: { node: add, weight: bias }, output: add.output[0]! };
    }
  }
  return { matmul, input, weight, output: out };
}

/** The layer that produces `value`: `value` is its bias Add's output, or its MatMul's. */
export function denseLayerProducing(graph: GraphProto, value: string): DenseLayer {
  let node = producerOf(graph, value);
  if (!node) throw new SplitError(value, 'is not computed by any node');
  if (node.opType === 'Add') {
    const matmul = node.input.map((name) => producerOf(graph, name)).find((n) => n?.opType === 'MatMul');
    if (!matmul) throw new SplitError(describeNode(node), 'is an Add that does not follow a MatMul');
    node = matmul;
  }
  if (node.opType !== 'MatMul')
    throw new SplitError(describeNode(node), `produces "${value}" but is not a MatMul or its bias Add`);
  const layer = denseLayerAt(graph, node);
  if (layer.output !== value)
    throw new SplitError(describeNode(node), `is a dense layer producing "${layer.output}", not "${value}"`);
  return layer;
}

/** The graph nodes a layer is made of. */
export function layerNodes(layer: DenseLayer): NodeProto[] {
  return layer.bias ? [layer.matmul, layer.bias.node] : [layer.matmul];
}

/** A slice of a layer's weights, rebuilt as nodes with initializers under the original names. */
export interface LayerPart {
  readonly nodes: NodeProto[];
  readonly initializers: TensorProto[];
}

/** Column range [start, start + size) of partition p of N: the router's split of a length-C axis. */
export function columnRange(length: number, partitions: number, p: number): { start: number; size: number } {
  return { start: splitOffsets(length, partitions)[p]!, size: splitSizes(length, partitions)[p]! };
}

/** The layer cut to output columns [start, start + size): W[:, cols] and b[cols] under the same nodes. */
export function columnPart(layer: DenseLayer, { start, size }: { start: number; size: number }): LayerPart {
  const initializers = [weightToInitializer(sliceColumns(layer.weight, start, size))];
  if (layer.bias) initializers.push(weightToInitializer(sliceColumns(layer.bias.weight, start, size)));
  return { nodes: layerNodes(layer).map(copyNode), initializers };
}

export function copyNode(node: NodeProto): NodeProto {
  return nodeProto({ ...node, input: [...node.input], output: [...node.output] });
}
