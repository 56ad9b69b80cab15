import { consumersOf, describeNode, type GraphProto, type NodeProto } from '../../onnx/graph.js';
import { linearLayerAt, type LinearLayer, type Range } from './linear-layer.js';
import { walkSplitRegion, type SplitRegion } from './split-region.js';
import { SplitError } from '../../split-error.js';
import { splitOffsets, splitSizes } from '../../../lib/tensor/scatter.js';

/**
 * A block the tensor strategy cuts into one stage of N partitions:
 * - 'megatron': column-split layers (an MLP's up-projection; attention's Q, K and V), the region
 *   between them computed on slices (split-region.ts), and one row-split layer whose partial sums
 *   the router adds (`sum`). A residual Add of a value every partition has (the block's input)
 *   after the row-split layer joins the block, computed by partition 0 only, as is the row-split
 *   layer's bias, so the sum adds each once.
 * - 'columns': one column-split layer whose outputs the router lays side by side (`concat`).
 * Both cut along `units` indivisible groups: attention heads, else single columns. Partition p
 * gets groups splitSizes(units, N)[p] from splitOffsets(units, N)[p] (numpy's array_split, the
 * router's own split), so head counts need not divide N evenly.
 */
export type TensorBlock =
  | {
      readonly kind: 'megatron';
      readonly starts: readonly LinearLayer[];
      readonly region: SplitRegion;
      readonly end: LinearLayer;
      readonly residual?: NodeProto;
      readonly output: string;
      readonly units: number;
      /** Set for attention: the region reshapes into heads. */
      readonly heads?: number;
    }
  | {
      readonly kind: 'columns';
      readonly layer: LinearLayer;
      readonly output: string;
      readonly units: number;
    };

/** The first linear layer in graph order that is not in `taken`. */
export function firstLinearLayer(graph: GraphProto, taken: ReadonlySet<NodeProto>): LinearLayer | undefined {
  for (const node of graph.node) {
    if (taken.has(node) || (node.opType !== 'MatMul' && node.opType !== 'Gemm')) continue;
    const layer = linearLayerAt(graph, node);
    if (layer) return layer;
  }
  return undefined;
}

/**
 * The block that `first` begins: with every linear layer reading the same input (attention's Q, K
 * and V). A lone layer whose outputs cannot be followed to a row-split layer is cut by columns;
 * several layers that do not meet at one are refused, naming the node in the way.
 */
export function matchBlock(graph: GraphProto, first: LinearLayer, opset: number): TensorBlock {
  const starts = graph.node
    .filter((n) => n.input[0] === first.input && (n.opType === 'MatMul' || n.opType === 'Gemm'))
    .map((n) => linearLayerAt(graph, n))
    .filter((l): l is LinearLayer => l !== undefined);
  const columns = { kind: 'columns', layer: first, output: first.output, units: first.outFeatures } as const;
  let region: SplitRegion;
  try {
    region = walkSplitRegion(graph, starts, opset);
  } catch (error) {
    if (starts.length === 1 && error instanceof SplitError) return columns;
    throw error;
  }
  if (region.ends.length === 0 && starts.length === 1) return columns;
  const names = starts.map((s) => describeNode(s.node)).join(', ');
  if (region.ends.length !== 1) {
    const found = region.ends.map((e) => describeNode(e.node)).join(', ') || 'none';
    throw new SplitError(names, `feed ${region.ends.length} row-split layers (${found}), not one`);
  }
  const end = region.ends[0]!;
  const headCounts = new Set(region.reshapes.map((r) => r.heads));
  if (headCounts.size > 1)
    throw new SplitError(names, `reshape into different head counts [${[...headCounts]}]`);
  const heads = headCounts.size === 1 ? [...headCounts][0]! : undefined;
  const units = heads ?? first.outFeatures;
  for (const layer of [...starts, end]) {
    const width = layer === end ? layer.inFeatures : layer.outFeatures;
    if (width % units !== 0)
      throw new SplitError(describeNode(layer.node), `has ${width} features, not a multiple of ${units}`);
  }
  const residual = residualAfter(graph, end.output, region);
  const output = residual?.output[0] ?? end.output;
  return { kind: 'megatron', starts, region, end, residual, output, units, heads };
}

/** An Add of `value` and a value computed before the block, when it is `value`'s only reader. */
function residualAfter(graph: GraphProto, value: string, region: SplitRegion): NodeProto | undefined {
  const readers = consumersOf(graph, value);
  const add = readers.length === 1 && readers[0]!.opType === 'Add' ? readers[0] : undefined;
  const other = add?.input.find((i) => i !== value);
  if (!add || !other || add.input.length !== 2 || region.splits.has(other)) return undefined;
  return add;
}

/** Partition p's share of a layer `width` features wide, cut into `units` groups over N partitions. */
export function featureRange(width: number, units: number, partitions: number, p: number): Range {
  const per = width / units;
  return { start: splitOffsets(units, partitions)[p]! * per, size: splitSizes(units, partitions)[p]! * per };
}
