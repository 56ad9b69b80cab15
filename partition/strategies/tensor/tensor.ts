import type { Gather, StagePlan } from '../../../lib/plan/schema.js';
import {
  describeNode,
  extractSubgraph,
  toInt,
  valueDims,
  type ModelProto,
  type NodeProto,
  type ValueInfoProto,
} from '../../onnx/graph.js';
import { constantTensor } from '../../onnx/weights.js';
import {
  partitionEntry,
  planHeader,
  type PartitionedModel,
  type PlanIdentity,
} from '../../onnx/partitioned-model.js';
import { SplitError, SplitOptionError } from '../../split-error.js';
import { firstLinearLayer, matchBlock, type TensorBlock } from './block.js';
import { blockPartition } from './stage.js';
import { inferValueTypes, type TypeInferrer } from '../../onnx/value-types.js';

/**
 * The `tensor` strategy: tensor parallelism for graphs that are a chain of blocks, each cut into
 * one stage of N partitions that hold disjoint slices of its weights, the stages chained in the
 * plan by the values between them:
 * - an MLP block (linear, element-wise activation, linear; any number of them, and SwiGLU-like
 *   gates) the Megatron way: first layer by columns, second by rows, gathered with `sum`;
 * - attention by heads: Q, K, V by head columns, attention on the partition's heads, the output
 *   projection by the same heads' rows, gathered with `sum` (uneven head counts are dealt out as
 *   numpy's array_split does);
 * - any other linear layer (MatMul or Gemm by a constant weight, initializer or Constant node) by
 *   columns, gathered with `concat` on the last axis, bitwise equal to the unsplit layer.
 * A residual Add after a summed block, and row-split biases, go to partition 0 only. Nodes without
 * weight matrices before a block (LayerNorm, Softmax, ...) are replicated into its partitions;
 * nodes after the last block form a one-partition `tail` stage. Anything holding a weight matrix
 * that is not a linear layer, and any value that would cross a block other than through the chain,
 * is refused with a SplitError naming the node.
 */
export interface TensorSplitOptions extends PlanIdentity {
  /** Partitions of every stage; at most the heads or columns of any block. */
  readonly partitions: number;
  /** Types the values between stages when the model does not declare them. @default inferValueTypes (ONNX Runtime) */
  readonly inferTypes?: TypeInferrer;
}

export async function splitTensorParallel(
  model: ModelProto,
  options: TensorSplitOptions,
): Promise<PartitionedModel> {
  const n = options.partitions;
  if (!Number.isInteger(n) || n < 1)
    throw new SplitOptionError('partitions', `partitions must be a positive integer, not ${n}`);
  const graph = model.graph;
  const header = planHeader(model, options, 'tensor');
  if (header.outputs.length !== 1) {
    throw new SplitError(
      header.outputs.map((o) => o.name).join(', '),
      'the tensor strategy needs a model with exactly one output',
    );
  }
  const modelOutput = header.outputs[0]!.name;
  const opset = model.opsetImport.find((o) => !o.domain)?.version;
  const available = header.inputs.map((i) => i.name);
  const taken = new Set<NodeProto>();
  const stages: StagePlan[] = [];
  const models: ModelProto[][] = [];
  const inferred = new Map<string, ValueInfoProto>();
  const typesOf = async (names: string[]) => {
    const missing = names.filter((name) => !inferred.has(name));
    const found = await (options.inferTypes ?? inferValueTypes)(model, missing);
    for (const [name, info] of found) inferred.set(name, info);
    return inferred;
  };

  while (!available.includes(modelOutput)) {
    const first = firstLinearLayer(graph, taken);
    const block = first && matchBlock(graph, first, toInt(opset ?? 13));
    if (block && n > block.units) {
      throw new SplitError(
        describeNode(first!.node),
        `cannot split ${block.units} ${block.kind === 'megatron' && block.heads ? 'heads' : 'columns'} into ${n} partitions`,
      );
    }
    const output = block?.output ?? modelOutput;
    const types = await typesOf([...available, output]);
    const stage = extractSubgraph(model, { inputs: available, outputs: [output], types });
    checkStage(model, stage, block, output);
    for (const node of stage.graph.node) if (node.opType !== 'Constant') taken.add(node);
    const name = `${stageKind(block)}-${stages.length}`;
    const parts = block
      ? Array.from({ length: n }, (_, p) => blockPartition(stage, block, types.get(output)!, n, p))
      : [stage];
    stages.push({
      name,
      partitions: parts.map((m, p) => partitionEntry(name, p, m)),
      inputs: stage.graph.input.map((i) => ({ name: i.name, scatter: { kind: 'replicate' } })),
      outputs: [{ name: output, gather: gatherOf(block, types.get(output)!) }],
    });
    models.push(parts);
    available.push(output);
  }
  if (stages.every((s) => s.partitions.length === 1) && n > 1)
    throw new SplitError(graph.name || 'graph', 'has no MatMul or Gemm by a constant weight to split');
  return { plan: { ...header, stages }, models };
}

function stageKind(block: TensorBlock | undefined): string {
  if (!block) return 'tail';
  if (block.kind === 'columns') return 'columns';
  return block.heads ? 'attention' : 'mlp';
}

function gatherOf(block: TensorBlock | undefined, type: ValueInfoProto): Gather {
  if (block?.kind === 'megatron') return { kind: 'sum' };
  const rank = valueDims(type)?.length;
  // A one-partition tail is gathered whole: a concat of one part.
  return { kind: 'concat', axis: block && rank !== undefined ? rank - 1 : block ? -1 : 0 };
}

/**
 * Throws naming a node of the stage that holds a weight matrix the strategy does not cut, or whose
 * output a later node reads although the stage hands on only `output`.
 */
function checkStage(
  model: ModelProto,
  stage: ModelProto,
  block: TensorBlock | undefined,
  output: string,
): void {
  const graph = model.graph;
  const own = new Set<NodeProto>(
    !block
      ? []
      : block.kind === 'columns'
        ? block.layer.nodes
        : [...block.starts.flatMap((s) => s.nodes), ...block.region.nodes, ...block.end.nodes],
  );
  const inStage = new Set(stage.graph.node);
  for (const node of stage.graph.node) {
    if (node.opType === 'Constant') continue;
    if (!own.has(node)) {
      const matrix = node.input.find((i) => isMatrix(model, i));
      if (matrix)
        throw new SplitError(
          describeNode(node),
          `reads the weight "${matrix}"; the tensor strategy splits MatMul/Gemm weights only`,
        );
    }
    for (const value of node.output) {
      if (!value || value === output) continue;
      const later = graph.node.find((n) => !inStage.has(n) && n.input.includes(value));
      if (later)
        throw new SplitError(
          describeNode(later),
          `reads "${value}" from inside the block ending at "${output}"; the tensor strategy cuts the graph only between blocks`,
        );
      if (graph.output.some((o) => o.name === value))
        throw new SplitError(describeNode(node), `computes the model output "${value}" inside a block`);
    }
  }
}

/** A constant with at least two axes longer than 1: a weight matrix, not a scale, bias or shape. */
function isMatrix(model: ModelProto, name: string): boolean {
  const tensor = constantTensor(model.graph, name);
  return tensor !== undefined && tensor.dims.filter((d) => toInt(d) > 1).length >= 2;
}
