import type { StagePlan } from '../../../lib/plan/schema.js';
import { columnPart, columnRange, denseLayerAt, layerNodes, type DenseLayer } from '../dense-layer.js';
import {
  describeNode,
  extractSubgraph,
  graphProto,
  renameValueInfo,
  tensorValueInfo,
  valueDims,
  withGraph,
  type GraphProto,
  type ModelProto,
  type NodeProto,
  type ValueInfoProto,
} from '../../onnx/graph.js';
import { isConstant } from '../../onnx/weights.js';
import {
  partitionEntry,
  planHeader,
  type PartitionedModel,
  type PlanIdentity,
} from '../../onnx/partitioned-model.js';
import { SplitError, SplitOptionError } from '../../split-error.js';
import { inferValueTypes, type TypeInferrer } from '../../onnx/value-types.js';
import {
  defaultOpset,
  topkNodes,
  topkOutputNames,
  topkOutputSpecs,
  topkStageOutputs,
  topkValueInfos,
} from './topk.js';

/**
 * A sharded classifier head, as a pipeline: stage `backbone` (one partition: the model inputs to
 * the head's features; left out when the head reads a model input), stage `head` (N partitions: features replicated, partition p computes
 * MatMul(features, W[:, cols_p]) + b[cols_p], gathered with `concat` on the last axis), and stage
 * `tail` (one partition: whatever follows the head, e.g. Softmax), left out when the head's output
 * is the model's output. The tail reads the head's output, the model inputs and any value the
 * backbone computes (a transformer's residual stream, say), which the backbone then returns as
 * outputs of its own. Each column of the logits is computed by the same nodes over the same
 * numbers as in the unsplit model; with ONNX Runtime 1.30 on CPU the result is bitwise equal to the
 * unsplit model's (head.test.ts checks it), even though ORT fuses the unsplit graph's
 * Transpose → MatMul into one FusedMatMul(transA) and the split graphs run them apart.
 *
 * With `topk`, the head stage ends in each partition's local top-k instead, merged by the router
 * into the global top-k of the logits; see topk.ts for what that top-k is over.
 */
export interface HeadSplitOptions extends PlanIdentity {
  /** Partitions of the head stage; at most the number of classes. */
  readonly partitions: number;
  /** The head's MatMul, by node name or output name. @default the last MatMul with a constant [K, C] weight */
  readonly head?: string;
  /**
   * Gather the head with `topk`: each partition returns the top `topk` of its columns, the router
   * keeps the global top `topk` of the logits (ties to the lower index), the model's outputs become
   * `<logits>_topk_values` and `<logits>_topk_indices`, and the tail is not run. At most the number
   * of classes. @default undefined: the logits gathered whole with `concat`, then the tail
   */
  readonly topk?: number;
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

/**
 * The nodes needed to compute `outputs`, walking back until a value in `boundary`; values no node
 * produces (initializers, unknown names) end the walk too, for `extractSubgraph` to judge.
 */
function nodesFor(
  graph: GraphProto,
  outputs: readonly string[],
  boundary: ReadonlySet<string>,
): Set<NodeProto> {
  const producers = new Map<string, NodeProto>();
  for (const node of graph.node) for (const out of node.output) if (out) producers.set(out, node);
  const nodes = new Set<NodeProto>();
  const pending = [...outputs];
  const seen = new Set<string>();
  while (pending.length > 0) {
    const value = pending.pop()!;
    if (!value || seen.has(value) || boundary.has(value)) continue;
    seen.add(value);
    const node = producers.get(value);
    if (!node || nodes.has(node)) continue;
    nodes.add(node);
    pending.push(...node.input);
  }
  return nodes;
}

/** The graph on either side of the head: the backbone, the tail (if any) and what the tail reads from the backbone. */
interface HeadCut {
  /** Absent when the head reads a model input. */
  readonly backbone?: ModelProto;
  readonly tail?: ModelProto;
  /**
   * Values the backbone computes that the tail reads or that are model outputs: the backbone
   * returns them beside the features.
   */
  readonly carried: readonly string[];
  readonly types: ReadonlyMap<string, ValueInfoProto>;
}

async function cutAroundHead(
  model: ModelProto,
  layer: DenseLayer,
  modelInputs: readonly string[],
  modelOutputs: readonly string[],
  options: { withTail: boolean; inferTypes?: TypeInferrer },
): Promise<HeadCut> {
  const graph = model.graph;
  const { input: features, output: logits } = layer;
  const headNodes = layerNodes(layer);
  const backboneNodes = nodesFor(graph, [features], new Set(modelInputs));
  if (headNodes.some((n) => backboneNodes.has(n)))
    throw new SplitError(describeNode(layer.matmul), 'is needed to compute its own features');

  // A Constant the tail needs is copied into it, not carried.
  const computed = [...backboneNodes].filter((n) => n.opType !== 'Constant').flatMap((n) => n.output);
  const fromBackbone = new Set(computed.filter((v) => v !== features));
  const earlier = new Set([logits, features, ...fromBackbone, ...modelInputs]);
  const tailOutputs = options.withTail ? modelOutputs.filter((v) => !earlier.has(v)) : [];
  const tailNodes = nodesFor(graph, tailOutputs, earlier);
  const inTail = headNodes.find((n) => tailNodes.has(n));
  if (inTail)
    throw new SplitError(describeNode(inTail), 'is part of the head but its output is read after the head');
  // What the tail reads from the backbone, and model outputs the backbone computes itself.
  const read = new Set([
    ...[...tailNodes].flatMap((n) => n.input),
    ...(options.withTail ? modelOutputs : []),
  ]);
  const carried = [...read].filter((v) => fromBackbone.has(v));
  const types = await (options.inferTypes ?? inferValueTypes)(model, [features, logits, ...carried]);
  const backbone = modelInputs.includes(features)
    ? undefined
    : extractSubgraph(model, { inputs: modelInputs, outputs: [features, ...carried], types });
  const tail =
    tailOutputs.length > 0
      ? extractSubgraph(model, {
          inputs: [...new Set([logits, features, ...carried, ...modelInputs])],
          outputs: tailOutputs,
          types,
        })
      : undefined;
  return { backbone, tail, carried, types };
}

const single = (name: string, model: ModelProto) => [partitionEntry(name, 0, model)];
const replicate = (names: readonly string[]) =>
  names.map((name) => ({ name, scatter: { kind: 'replicate' as const } }));
/** The gather of a one-partition stage: the partition's output as it is. */
const whole = (names: readonly string[]) =>
  names.map((name) => ({ name, gather: { kind: 'concat' as const, axis: 0 } }));

function checkOptions(options: HeadSplitOptions, layer: DenseLayer): void {
  const n = options.partitions;
  const classes = layer.weight.dims[1]!;
  if (n > classes)
    throw new SplitError(describeNode(layer.matmul), `cannot split ${classes} classes into ${n} partitions`);
  const k = options.topk;
  if (k !== undefined && (!Number.isInteger(k) || k < 1 || k > classes))
    throw new SplitOptionError(
      'topk',
      `topk must be an integer from 1 to the head's ${classes} classes, not ${k}`,
    );
}

export async function splitHead(model: ModelProto, options: HeadSplitOptions): Promise<PartitionedModel> {
  const n = options.partitions;
  if (!Number.isInteger(n) || n < 1)
    throw new SplitOptionError('partitions', `partitions must be a positive integer, not ${n}`);
  const layer = findHead(model, options.head);
  checkOptions(options, layer);
  const { topk } = options;
  const header = planHeader(model, options, 'head');
  const modelInputs = header.inputs.map((i) => i.name);
  const cut = await cutAroundHead(
    model,
    layer,
    modelInputs,
    header.outputs.map((o) => o.name),
    { withTail: topk === undefined, inferTypes: options.inferTypes },
  );
  const { backbone, tail, types } = cut;
  const heads = Array.from({ length: n }, (_, p) => headPartition(model, layer, types, n, p, topk));
  const logits = types.get(layer.output)!;
  const rank = valueDims(logits)?.length;
  const stages: StagePlan[] = [];
  if (backbone) {
    stages.push({
      name: 'backbone',
      partitions: single('backbone', backbone),
      inputs: replicate(backbone.graph.input.map((i) => i.name)),
      outputs: whole([layer.input, ...cut.carried]),
    });
  }
  stages.push({
    name: 'head',
    partitions: heads.map((m, p) => partitionEntry('head', p, m)),
    inputs: replicate([layer.input]),
    outputs:
      topk === undefined
        ? [{ name: layer.output, gather: { kind: 'concat', axis: rank ? rank - 1 : -1 } }]
        : topkStageOutputs(layer.output, topk, layer.weight.dims[1]!, n, rank ? rank - 1 : -1),
  });
  if (tail) {
    stages.push({
      name: 'tail',
      partitions: single('tail', tail),
      inputs: replicate(tail.graph.input.map((i) => i.name)),
      outputs: whole(tail.graph.output.map((o) => o.name)),
    });
  }
  const outputs = topk === undefined ? header.outputs : topkOutputSpecs(logits, topk);
  return {
    plan: { ...header, outputs, strategy: 'head', stages },
    models: [...(backbone ? [[backbone]] : []), heads, ...(tail ? [[tail]] : [])],
  };
}

/**
 * Partition p of the head: features in, columns cols_p of the logits out, or with `topk` their
 * local top min(topk, width) values and indices (local column numbers).
 */
function headPartition(
  model: ModelProto,
  layer: DenseLayer,
  types: ReadonlyMap<string, ValueInfoProto>,
  partitions: number,
  p: number,
  topk: number | undefined,
): ModelProto {
  const part = columnPart(layer, columnRange(layer.weight.dims[1]!, partitions, p));
  const { size } = columnRange(layer.weight.dims[1]!, partitions, p);
  const logits = types.get(layer.output)!;
  const dims = valueDims(logits);
  const partDims = dims?.map((d, i) => (i === dims.length - 1 ? size : d));
  const sliceInfo = tensorValueInfo(layer.output, logits.type!.tensorType!.elemType!, partDims);
  let nodes = part.nodes;
  let initializers = part.initializers;
  let output = [sliceInfo];
  if (topk !== undefined) {
    const k = Math.min(topk, size);
    const names = topkOutputNames(layer.output);
    const top = topkNodes(defaultOpset(model), layer.output, k, names);
    nodes = [...nodes, ...top.nodes];
    initializers = [...initializers, ...top.initializers];
    output = topkValueInfos(sliceInfo, k, names);
  }
  return withGraph(
    model,
    graphProto({
      name: `${model.graph.name}-head-${p}`,
      input: [renameValueInfo(types.get(layer.input)!, layer.input)],
      output,
      node: nodes,
      initializer: initializers,
    }),
  );
}
