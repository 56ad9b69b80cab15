import {
  columnPart,
  copyNode,
  denseLayerAt,
  layerNodes,
  type DenseLayer,
  type LayerPart,
} from '../dense-layer.js';
import { intAttribute } from '../../onnx/attributes.js';
import { describeNode, nodeProto, toInt, type GraphProto, type NodeProto } from '../../onnx/graph.js';
import {
  constantTensor,
  isConstant,
  readWeight,
  sliceColumns,
  sliceRows,
  weightToInitializer,
  type Weight,
} from '../../onnx/weights.js';
import { SplitError } from '../../split-error.js';

/**
 * A linear layer y = x·W (+ b) with a constant FP32 weight, in either form exporters write it: a
 * MatMul with an optional bias Add (../dense-layer.ts's DenseLayer), or a Gemm (alpha, beta, transB,
 * an optional constant C). Tensor parallelism cuts it by output columns (every partition computes
 * some outputs, bitwise as the whole layer does) or by input rows (every partition computes a
 * partial sum of all outputs, to be summed). Slices are taken in arbitrary ranges, so a split can
 * follow attention heads rather than equal column counts. Weights are read when sliced, not when
 * matched. A slice rebuilds the layer's own nodes, with its constants as initializers under their
 * original names (a weight that was a Constant node becomes an initializer).
 */
export type LinearLayer =
  | (LinearShape & { readonly kind: 'matmul'; readonly dense: DenseLayer })
  | (LinearShape & { readonly kind: 'gemm'; readonly transB: boolean; readonly bias?: string });

interface LinearShape {
  /** The MatMul or Gemm. */
  readonly node: NodeProto;
  /** Every graph node the layer is made of. */
  readonly nodes: readonly NodeProto[];
  readonly input: string;
  readonly output: string;
  readonly inFeatures: number;
  readonly outFeatures: number;
  /** Names of the constants the layer reads, which its slices replace. */
  readonly constants: readonly string[];
}

/** A range [start, start + size) along one axis. */
export interface Range {
  readonly start: number;
  readonly size: number;
}

/**
 * The linear layer `node` starts, or undefined when it is not a MatMul or Gemm of activations by a
 * constant; throws a SplitError for one that is, but that cannot be sliced (FP32 2-D weights only).
 */
export function linearLayerAt(graph: GraphProto, node: NodeProto): LinearLayer | undefined {
  const [input, weight] = node.input;
  if (!input || !weight || !isConstant(graph, weight) || isConstant(graph, input)) return undefined;
  if (node.opType === 'MatMul') {
    const dense = denseLayerAt(graph, node);
    const [inFeatures, outFeatures] = dense.weight.dims as [number, number];
    const constants = [dense.weight.name, ...(dense.bias ? [dense.bias.weight.name] : [])];
    return {
      kind: 'matmul',
      dense,
      node,
      nodes: layerNodes(dense),
      input,
      output: dense.output,
      inFeatures,
      outFeatures,
      constants,
    };
  }
  if (node.opType !== 'Gemm') return undefined;
  const where = describeNode(node);
  if (intAttribute(node, 'transA', 0) !== 0)
    throw new SplitError(where, 'has transA = 1; only Gemm(activations, weight) is split');
  const dims = constantTensor(graph, weight)!.dims.map(toInt);
  if (dims.length !== 2) throw new SplitError(where, `weight "${weight}" has dims [${dims}], not 2-D`);
  const transB = intAttribute(node, 'transB', 0) === 1;
  const [inFeatures, outFeatures] = (transB ? [dims[1], dims[0]] : dims) as [number, number];
  const bias = node.input[2] || undefined;
  if (bias && !isConstant(graph, bias)) throw new SplitError(where, `bias "${bias}" is not a constant`);
  const output = node.output[0]!;
  const constants = bias ? [weight, bias] : [weight];
  return {
    kind: 'gemm',
    transB,
    bias,
    node,
    nodes: [node],
    input,
    output,
    inFeatures,
    outFeatures,
    constants,
  };
}

/** The layer cut to output columns `range`: the same nodes over W[:, range] and b[range]. */
export function columnSlice(graph: GraphProto, layer: LinearLayer, range: Range): LayerPart {
  const { start, size } = range;
  if (layer.kind === 'matmul') return columnPart(layer.dense, range);
  const where = describeNode(layer.node);
  const weight = readWeight(graph, layer.node.input[1]!, where);
  const sliced = layer.transB ? sliceRows(weight, start, size) : sliceColumns(weight, start, size);
  const initializers = [weightToInitializer(sliced)];
  if (layer.bias)
    initializers.push(
      weightToInitializer(gemmBiasColumns(readWeight(graph, layer.bias, where), layer, range)),
    );
  return { nodes: [copyNode(layer.node)], initializers };
}

/** Gemm's C broadcasts to [M, N]: cut along N unless it is 1 there (a scalar or one column). */
function gemmBiasColumns(bias: Weight, layer: LinearLayer, range: Range): Weight {
  const last = bias.dims[bias.dims.length - 1] ?? 1;
  if (last === 1) return bias;
  if (last !== layer.outFeatures || bias.dims.length > 2)
    throw new SplitError(describeNode(layer.node), `bias "${bias.name}" has dims [${bias.dims}]`);
  return sliceColumns(bias, range.start, range.size);
}

export interface RowSliceOptions {
  /** Whether this slice adds the bias (exactly one slice of a summed split does). */
  readonly bias: boolean;
  /** The value the slice writes: the layer's output, or a later value the partial sum stands for. */
  readonly output: string;
}

/**
 * The layer cut to input rows `range`: W[range, :], reading only those features of its input and
 * computing a partial sum of the whole output, written to `options.output`.
 */
export function rowSlice(
  graph: GraphProto,
  layer: LinearLayer,
  range: Range,
  options: RowSliceOptions,
): LayerPart {
  const { start, size } = range;
  const rename = (node: NodeProto, last: boolean) =>
    nodeProto({ ...node, input: [...node.input], output: last ? [options.output] : [...node.output] });
  if (layer.kind === 'matmul') {
    const { dense } = layer;
    const initializers = [weightToInitializer(sliceRows(dense.weight, start, size))];
    if (!(options.bias && dense.bias)) return { nodes: [rename(dense.matmul, true)], initializers };
    initializers.push(weightToInitializer(dense.bias.weight));
    return { nodes: [rename(dense.matmul, false), rename(dense.bias.node, true)], initializers };
  }
  const where = describeNode(layer.node);
  const weight = readWeight(graph, layer.node.input[1]!, where);
  const initializers = [
    weightToInitializer(layer.transB ? sliceColumns(weight, start, size) : sliceRows(weight, start, size)),
  ];
  const gemm = rename(layer.node, true);
  if (options.bias && layer.bias)
    initializers.push(weightToInitializer(readWeight(graph, layer.bias, where)));
  else gemm.input = gemm.input.slice(0, 2);
  return { nodes: [gemm], initializers };
}
