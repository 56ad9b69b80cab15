import type { LayerPart } from '../dense-layer.js';
import {
  describeNode,
  graphProto,
  tensorValueInfo,
  valueDims,
  withGraph,
  type ModelProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from '../../onnx/graph.js';
import { int64Tensor } from '../../onnx/int64.js';
import { columnSlice, rowSlice, type LinearLayer } from './linear-layer.js';
import { SplitError } from '../../split-error.js';
import { featureRange, type TensorBlock } from './block.js';
import { splitSizes } from '../../../lib/tensor/scatter.js';

/**
 * Partition p of a tensor-parallel stage: the stage's subgraph (its block plus the replicated
 * nodes before it, such as a LayerNorm) with the block's layers replaced by their slices and the
 * Reshapes into heads retargeted to the partition's head count. value_info is dropped, since the
 * sliced values change shape; ONNX Runtime infers it again. Throws a SplitError naming a node
 * outside the block that reads one of the constants the block slices.
 */
export function blockPartition(
  stage: ModelProto,
  block: TensorBlock,
  outputType: ValueInfoProto,
  partitions: number,
  p: number,
): ModelProto {
  const graph = stage.graph;
  const parts = new Map<NodeProto, LayerPart>();
  const skip = new Set<NodeProto>();
  const replaced = new Map<string, TensorProto>();
  // Every constant of a cut layer; those a partition needs come back in `replaced`.
  const dropped = new Set<string>();
  const slice = (layer: LinearLayer, part: LayerPart) => {
    parts.set(layer.node, part);
    for (const node of layer.nodes) if (node !== layer.node) skip.add(node);
    for (const name of layer.constants) dropped.add(name);
    for (const tensor of part.initializers) replaced.set(tensor.name, tensor);
  };
  const range = (width: number) => featureRange(width, block.units, partitions, p);
  let output = outputType;
  if (block.kind === 'columns') {
    const r = range(block.layer.outFeatures);
    slice(block.layer, columnSlice(graph, block.layer, r));
    output = withLastDim(outputType, r.size);
  } else {
    for (const layer of block.starts) slice(layer, columnSlice(graph, layer, range(layer.outFeatures)));
    const { end, residual } = block;
    const part = rowSlice(graph, end, range(end.inFeatures), {
      bias: p === 0,
      output: p === 0 ? end.output : block.output,
    });
    if (residual) {
      skip.add(residual);
      if (p === 0) part.nodes.push(residual);
    }
    slice(end, part);
    const heads = splitSizes(block.units, partitions)[p]!;
    for (const reshape of block.region.reshapes) {
      const values = [...reshape.values];
      const last = values.length - 1;
      if (reshape.kind === 'split' && values[2] !== -1) values[2] = heads;
      if (reshape.kind === 'merge' && values[last] !== -1) values[last] = heads * reshape.headDim;
      const before = replaced.get(reshape.shape);
      const tensor = int64Tensor(reshape.shape, values);
      if (before && before.int64Data.join() !== tensor.int64Data.join())
        throw new SplitError(
          describeNode(reshape.node),
          `shares its target shape "${reshape.shape}" with another Reshape`,
        );
      replaced.set(reshape.shape, tensor);
    }
  }
  for (const name of replaced.keys()) dropped.add(name);
  const owners = new Set([
    ...parts.keys(),
    ...skip,
    ...(block.kind === 'megatron' ? block.region.reshapes.map((r) => r.node) : []),
  ]);
  const nodes: NodeProto[] = [];
  for (const node of graph.node) {
    if (node.opType === 'Constant' && node.output.some((o) => dropped.has(o))) continue;
    if (!owners.has(node)) {
      const clash = node.input.find((i) => dropped.has(i));
      if (clash)
        throw new SplitError(describeNode(node), `reads "${clash}", a constant the tensor split slices`);
    }
    if (skip.has(node)) continue;
    nodes.push(...(parts.get(node)?.nodes ?? [node]));
  }
  // A partition keeps only the constants its nodes read: a constant the block adds in partition 0
  // alone (its residual or bias) is not copied into the others.
  const read = new Set(nodes.flatMap((n) => n.input));
  const kept = nodes.filter((n) => n.opType !== 'Constant' || n.output.some((o) => read.has(o)));
  const initializers = [...graph.initializer.filter((t) => !dropped.has(t.name)), ...replaced.values()];
  return withGraph(
    stage,
    graphProto({
      name: `${graph.name}-${p}`,
      input: graph.input,
      output: [output],
      node: kept,
      initializer: initializers.filter((t) => read.has(t.name)),
    }),
  );
}

/** `info` with its last dim set to `size`, when that dim is fixed. */
function withLastDim(info: ValueInfoProto, size: number): ValueInfoProto {
  const dims = valueDims(info);
  const last = dims ? dims.length - 1 : -1;
  const elemType = info.type!.tensorType!.elemType!;
  return tensorValueInfo(
    info.name,
    elemType,
    dims?.map((d, i) => (i === last && typeof d === 'number' ? size : d)),
  );
}
