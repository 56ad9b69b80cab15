import { consumersOf, describeNode, toInt, type GraphProto, type NodeProto } from '../../onnx/graph.js';
import { intAttribute, intsAttribute } from '../../onnx/attributes.js';
import { readInt64s } from '../../onnx/int64.js';
import { constantTensor } from '../../onnx/weights.js';
import { linearLayerAt, type LinearLayer } from './linear-layer.js';
import {
  batchMatMul,
  columnAxis,
  isColumns,
  normalized,
  sameSplit,
  transposed,
  type SplitAxis,
} from './split-axis.js';
import { SplitError } from '../../split-error.js';

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

/**
 * The region between the column-split layers of a tensor-parallel block and its row-split layer:
 * every value computed there is cut across partitions (SplitAxis), and every node must compute its
 * slice of the output from slices of its inputs alone. Element-wise ops with scalar constants, an
 * MLP's activation, and attention's per-head ops (Reshape to heads and back, Transpose, MatMul and
 * Softmax over other axes than the heads) qualify; anything else is refused naming the node.
 */
export interface SplitRegion {
  /** Nodes of the region, in graph order. */
  readonly nodes: readonly NodeProto[];
  /** Linear layers reading the region's columns: the block's row-split layers. */
  readonly ends: readonly LinearLayer[];
  /** Reshapes to and from heads, whose target shapes each partition rewrites. */
  readonly reshapes: readonly HeadReshape[];
  /** Split of each region value, by name. */
  readonly splits: ReadonlyMap<string, SplitAxis>;
}

export interface HeadReshape {
  readonly node: NodeProto;
  /** The constant holding the target shape. */
  readonly shape: string;
  readonly values: readonly number[];
  /** 'split': [.., width] → [.., heads, headDim]; 'merge': back. */
  readonly kind: 'split' | 'merge';
  readonly heads: number;
  readonly headDim: number;
}

/** Ops that map each element to one element at the same place, given scalar constants besides. */
const ELEMENTWISE: ReadonlySet<string> = new Set([
  ...ELEMENTWISE_ACTIVATIONS,
  ...['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Max', 'Min', 'Sum', 'Mean', 'Where', 'Clip', 'Cast'],
  ...['Sqrt', 'Exp', 'Log', 'Neg', 'Abs', 'Reciprocal', 'Floor', 'Ceil', 'Round', 'Sign', 'Sin', 'Cos'],
]);
const SOFTMAX: ReadonlySet<string> = new Set(['Softmax', 'LogSoftmax', 'Hardmax']);

/** Walks forward from `starts`' outputs; throws a SplitError naming the first node that cannot be cut. */
export function walkSplitRegion(
  graph: GraphProto,
  starts: readonly LinearLayer[],
  opset: number,
): SplitRegion {
  const splits = new Map<string, SplitAxis>(starts.map((s) => [s.output, columnAxis(s.outFeatures)]));
  const nodes: NodeProto[] = [];
  const ends: LinearLayer[] = [];
  const reshapes: HeadReshape[] = [];
  const startNodes = new Set(starts.flatMap((s) => s.nodes));
  for (const node of graph.node) {
    if (startNodes.has(node) || !node.input.some((i) => splits.has(i))) continue;
    const where = describeNode(node);
    const linear = linearLayerAt(graph, node);
    if (linear && splits.has(linear.input)) {
      const split = splits.get(linear.input)!;
      if (!isColumns(split) || split.width !== linear.inFeatures) {
        throw new SplitError(
          where,
          `reads "${linear.input}" cut along axis ${split.axis}, not by its ${linear.inFeatures} input features`,
        );
      }
      ends.push(linear);
      continue;
    }
    const out = outputSplit(graph, node, splits, opset, reshapes);
    if (typeof out === 'string') throw new SplitError(where, out);
    nodes.push(node);
    for (const o of node.output) if (o) splits.set(o, out);
  }
  checkContained(graph, nodes, ends, splits);
  return { nodes, ends, reshapes, splits };
}

/** The split of `node`'s outputs, or why it cannot run on slices. */
function outputSplit(
  graph: GraphProto,
  node: NodeProto,
  splits: ReadonlyMap<string, SplitAxis>,
  opset: number,
  reshapes: HeadReshape[],
): SplitAxis | string {
  const inputs = node.input.filter((i) => i && splits.has(i)).map((i) => splits.get(i)!);
  const first = inputs[0]!;
  const others = node.input.filter((i) => i && !splits.has(i));
  const op = node.opType;
  if (ELEMENTWISE.has(op)) {
    if (!inputs.every((s) => sameSplit(s, first))) return `${op} of values cut differently`;
    const wide = others.find((name) => !isScalarConstant(graph, name, first));
    if (wide) return `${op} of a split value and "${wide}", which is not a scalar constant`;
    return first;
  }
  if (op === 'Transpose') {
    const perm = intsAttribute(node, 'perm');
    if (!perm) return 'Transpose without perm';
    return transposed(first, perm) ?? `perm [${perm}] does not match rank ${first.rank}`;
  }
  if (SOFTMAX.has(op)) {
    const axis = intAttribute(node, 'axis', opset >= 13 ? -1 : 1);
    const a = normalized(axis, first.rank);
    const cut = normalized(first.axis, first.rank);
    const clash =
      a === undefined || cut === undefined
        ? axis === first.axis || axis >= 0 || first.axis >= 0
        : opset >= 13
          ? a === cut
          : cut >= a;
    return clash ? `${op} normalises over the axis the tensor strategy cuts (${first.axis})` : first;
  }
  if (op === 'MatMul' && inputs.length === 2) {
    return (
      batchMatMul(inputs[0]!, inputs[1]!) ??
      'MatMul of split values that are not cut along a batch axis (heads)'
    );
  }
  if (op === 'Reshape') return headReshape(graph, node, first, reshapes);
  return `${op} cannot be computed on a slice of "${node.input.find((i) => splits.has(i))}"`;
}

/** A one-element constant that broadcasting cannot give more axes than `split` counts from the front. */
function isScalarConstant(graph: GraphProto, name: string, split: SplitAxis): boolean {
  const tensor = constantTensor(graph, name);
  if (!tensor || !tensor.dims.every((d) => toInt(d) === 1)) return false;
  return split.axis < 0 || (split.rank !== undefined && tensor.dims.length <= split.rank);
}

/** A Reshape of columns into [.., heads, headDim], or of heads back into columns. */
function headReshape(
  graph: GraphProto,
  node: NodeProto,
  split: SplitAxis,
  reshapes: HeadReshape[],
): SplitAxis | string {
  const shape = node.input[1]!;
  const tensor = constantTensor(graph, shape);
  const values = tensor ? readInt64s(tensor) : undefined;
  if (!values) return `the target shape "${shape}" is not an INT64 constant`;
  if (intAttribute(node, 'allowzero', 0) !== 0) return 'Reshape with allowzero = 1';
  const lead = values.slice(0, -2);
  if (isColumns(split) && values.length === 4 && lead.every((v) => v >= 0)) {
    let [heads, headDim] = values.slice(2) as [number, number];
    if (heads === -1 && headDim > 0) heads = split.width / headDim;
    if (headDim === -1 && heads > 0) headDim = split.width / heads;
    if (heads > 0 && headDim > 0 && Number.isInteger(heads) && heads * headDim === split.width) {
      reshapes.push({ node, shape, values, kind: 'split', heads, headDim });
      return { axis: 2, rank: 4, width: heads, headDim, inner: 3 };
    }
  }
  const { headDim } = split;
  if (
    headDim !== undefined &&
    split.rank === 4 &&
    split.axis === 2 &&
    split.inner === 3 &&
    values.length === 3
  ) {
    const width = split.width * headDim;
    if (values[0]! >= 0 && values[1]! >= 0 && (values[2] === -1 || values[2] === width)) {
      reshapes.push({ node, shape, values, kind: 'merge', heads: split.width, headDim });
      return { axis: -1, rank: 3, width };
    }
  }
  return `Reshape to [${values}] does not split the last axis into heads or merge heads back`;
}

/** Throws naming a node outside the region that reads a split value (it would see a slice). */
function checkContained(
  graph: GraphProto,
  nodes: readonly NodeProto[],
  ends: readonly LinearLayer[],
  splits: ReadonlyMap<string, SplitAxis>,
): void {
  const inside = new Set([...nodes, ...ends.map((e) => e.node)]);
  for (const value of splits.keys()) {
    if (graph.output.some((o) => o.name === value))
      throw new SplitError(value, 'is a model output but holds only a slice in each partition');
    const outside = consumersOf(graph, value).find((n) => !inside.has(n));
    if (outside)
      throw new SplitError(describeNode(outside), `reads "${value}", which partitions hold only a slice of`);
  }
}
