import type { StagePlan } from '../../lib/plan/schema.js';
import { columnPart, columnRange, denseLayerAt, layerNodes, type DenseLayer } from '../dense-layer.js';
import {
  describeNode,
  extractSubgraph,
  graphProto,
  renameValueInfo,
  tensorValueInfo,
  valueDims,
  withGraph,
  type ModelProto,
  type ValueInfoProto,
} from '../onnx-graph.js';
import { isConstant } from '../onnx-weights.js';
import {
  partitionEntry,
  planHeader,
  type PartitionedModel,
  type PlanIdentity,
} from '../partitioned-model.js';
import { SplitError } from '../split-error.js';
import { inferValueTypes, type TypeInferrer } from '../value-types.js';

/**
 * A sharded classifier head, as a pipeline: stage `backbone` (one partition: the model inputs to
 * the head's features), stage `head` (N partitions: features replicated, partition p computes
 * MatMul(features, W[:, cols_p]) + b[cols_p], gathered with `concat` on the last axis), and stage
 * `tail` (one partition: whatever follows the head, e.g. Softmax), left out when the head's output
 * is the model's output. Each column of the logits is computed by the same nodes over the same
 * numbers as in the unsplit model; with ONNX Runtime 1.30 on CPU the result is bitwise equal to the
 * unsplit model's (head.test.ts checks it), even though ORT fuses the unsplit graph's
 * Transpose → MatMul into one FusedMatMul(transA) and the split graphs run them apart.
 */
export interface HeadSplitOptions extends PlanIdentity {
  /** Partitions of the head stage; at most the number of classes. */
  readonly partitions: number;
  /** The head's MatMul, by node name or output name. @default the last MatMul with a constant [K, C] weight */
  readonly head?: string;
  /** Types the cut's boundary values, which exported models often leave undeclared. @default inferValueTypes (ONNX Runtime) */
  readonly inferTypes?: TypeInferrer;
}

/** The head's dense layer: the named MatMul, or the last MatMul in graph order reading a constant 2-D weight. */
export function findHead(model: ModelProto, head?: string): DenseLayer {
  const graph = model.graph;
  if (head !== undefined) {
    const node = graph.node.find((n) => n.name === head || n.output.includes(head));
    if (!node) throw new SplitError(head, 'no node has this name or output');
    return denseLayerAt(graph, node);
  }
  const node = [...graph.node]
    .reverse()
    .find((n) => n.opType === 'MatMul' && n.input[1] !== undefined && isConstant(graph, n.input[1]));
  if (!node) throw new SplitError(graph.name || 'graph', 'has no MatMul with a constant weight to shard');
  return denseLayerAt(graph, node);
}

/** Throws naming a node that two stages would both compute. */
function requireDisjoint(a: ModelProto, b: ModelProto, why: string): void {
  const shared = a.graph.node.find((n) => n.opType !== 'Constant' && b.graph.node.includes(n));
  if (shared) throw new SplitError(describeNode(shared), why);
}

const single = (name: string, model: ModelProto) => [partitionEntry(name, 0, model)];
const replicate = (names: readonly string[]) =>
  names.map((name) => ({ name, scatter: { kind: 'replicate' as const } }));
/** The gather of a one-partition stage: the partition's output as it is. */
const whole = (names: readonly string[]) =>
  names.map((name) => ({ name, gather: { kind: 'concat' as const, axis: 0 } }));

export async function splitHead(model: ModelProto, options: HeadSplitOptions): Promise<PartitionedModel> {
  const n = options.partitions;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`partitions must be a positive integer, not ${n}`);
  const layer = findHead(model, options.head);
  const classes = layer.weight.dims[1]!;
  if (n > classes)
    throw new SplitError(describeNode(layer.matmul), `cannot split ${classes} classes into ${n} partitions`);
  const header = planHeader(model, options, 'head');
  const modelInputs = header.inputs.map((i) => i.name);
  const modelOutputs = header.outputs.map((o) => o.name);
  const features = layer.input;
  const logits = layer.output;
  const types = await (options.inferTypes ?? inferValueTypes)(model, [features, logits]);

  const backbone = extractSubgraph(model, { inputs: modelInputs, outputs: [features], types });
  const hasTail = !(modelOutputs.length === 1 && modelOutputs[0] === logits);
  const tail = hasTail
    ? extractSubgraph(model, { inputs: [logits, ...modelInputs], outputs: modelOutputs, types })
    : undefined;
  const headNodes = layerNodes(layer);
  if (backbone.graph.node.some((n) => headNodes.includes(n))) {
    throw new SplitError(describeNode(layer.matmul), 'is needed to compute its own features');
  }
  if (tail) {
    requireDisjoint(
      tail,
      backbone,
      'is needed both before and after the head; a head split needs the tail to read only the head output and model inputs',
    );
    const inTail = tail.graph.node.find((n) => headNodes.includes(n));
    if (inTail)
      throw new SplitError(describeNode(inTail), 'is part of the head but its output is read after the head');
  }

  const heads = Array.from({ length: n }, (_, p) => headPartition(model, layer, types, n, p));
  const logitsDims = valueDims(types.get(logits)!);
  const stages: StagePlan[] = [
    {
      name: 'backbone',
      partitions: single('backbone', backbone),
      inputs: replicate(backbone.graph.input.map((i) => i.name)),
      outputs: whole([features]),
    },
    {
      name: 'head',
      partitions: heads.map((m, p) => partitionEntry('head', p, m)),
      inputs: replicate([features]),
      outputs: [{ name: logits, gather: { kind: 'concat', axis: logitsDims ? logitsDims.length - 1 : -1 } }],
    },
  ];
  if (tail) {
    stages.push({
      name: 'tail',
      partitions: single('tail', tail),
      inputs: replicate(tail.graph.input.map((i) => i.name)),
      outputs: whole(modelOutputs),
    });
  }
  return {
    plan: { ...header, strategy: 'head', stages },
    models: tail ? [[backbone], heads, [tail]] : [[backbone], heads],
  };
}

/** Partition p of the head: features in, columns cols_p of the logits out. */
function headPartition(
  model: ModelProto,
  layer: DenseLayer,
  types: ReadonlyMap<string, ValueInfoProto>,
  partitions: number,
  p: number,
): ModelProto {
  const part = columnPart(layer, partitions, p);
  const { size } = columnRange(layer.weight.dims[1]!, partitions, p);
  const logits = types.get(layer.output)!;
  const dims = valueDims(logits);
  const partDims = dims?.map((d, i) => (i === dims.length - 1 ? size : d));
  return withGraph(
    model,
    graphProto({
      name: `${model.graph.name}-head-${p}`,
      input: [renameValueInfo(types.get(layer.input)!, layer.input)],
      output: [tensorValueInfo(layer.output, logits.type!.tensorType!.elemType!, partDims)],
      node: part.nodes,
      initializer: part.initializers,
    }),
  );
}
