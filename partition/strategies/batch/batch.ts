import type { StagePlan } from '../../../lib/plan/schema.js';
import { valueDims, type ModelProto, type ValueInfoProto } from '../../onnx/graph.js';
import {
  partitionEntry,
  planHeader,
  type PartitionedModel,
  type PlanIdentity,
} from '../../onnx/partitioned-model.js';
import { SplitError, SplitOptionError } from '../../split-error.js';

/**
 * Data parallelism: every partition is the whole, unchanged model; the router splits each input
 * along axis 0 (numpy's array_split, as lib/tensor/scatter does) and concatenates each output
 * along axis 0. Each row is computed by the same graph over the same numbers as in the unsplit
 * model, so outputs are bitwise equal as long as the model treats rows independently.
 *
 * The rule for which models qualify: axis 0 of every model input and output must be declared
 * dynamic (a `dim_param` or an unnamed dim). A fixed first dim, even a large one, means the model
 * was exported for exactly that many rows: its partitions would be fed fewer, which ONNX Runtime
 * refuses, and graphs exported that way often bake the size into Reshape targets. Inputs and
 * outputs of rank 0 have no axis to split. Either is refused with a SplitError naming the tensor.
 * What cannot be checked from the declarations, an output whose dynamic first dim is not the
 * batch, is caught by `split --verify`.
 */
export interface BatchSplitOptions extends PlanIdentity {
  /** Number of partitions (replicas of the whole model, each taking a slice of the batch). */
  readonly partitions: number;
}

const STAGE = 'batch';

/** Throws naming the first model input or output whose first dim is not a dynamic batch dim. */
export function requireBatchDim(model: ModelProto): void {
  const graph = model.graph;
  const fed = graph.input.filter((i) => !graph.initializer.some((t) => t.name === i.name));
  for (const [role, infos] of [
    ['input', fed],
    ['output', graph.output],
  ] as const) {
    for (const info of infos) {
      const problem = batchDimProblem(info);
      if (problem) throw new SplitError(info.name, `model ${role} ${problem}; data parallelism needs one`);
    }
  }
}

function batchDimProblem(info: ValueInfoProto): string | undefined {
  const dims = valueDims(info);
  if (dims === undefined) return 'has no declared rank, so no known batch dim';
  if (dims.length === 0) return 'is a scalar, with no batch dim';
  const first = dims[0];
  if (typeof first === 'number') return `has a fixed first dim of ${first} rather than a dynamic batch dim`;
  return undefined;
}

/** Whether `model` qualifies for `splitBatch` (see BatchSplitOptions for the rule). */
export function isBatchable(model: ModelProto): boolean {
  try {
    requireBatchDim(model);
    return true;
  } catch (error) {
    if (error instanceof SplitError) return false;
    throw error;
  }
}

export function splitBatch(model: ModelProto, options: BatchSplitOptions): PartitionedModel {
  const n = options.partitions;
  if (!Number.isInteger(n) || n < 1)
    throw new SplitOptionError('partitions', `partitions must be a positive integer, not ${n}`);
  requireBatchDim(model);
  const header = planHeader(model, options, STAGE);
  const stage: StagePlan = {
    name: STAGE,
    // The one model object serves every partition: the writer encodes it once per file.
    partitions: Array.from({ length: n }, (_, p) => partitionEntry(STAGE, p, model)),
    inputs: header.inputs.map(({ name }) => ({ name, scatter: { kind: 'split', axis: 0 } })),
    outputs: header.outputs.map(({ name }) => ({ name, gather: { kind: 'concat', axis: 0 } })),
  };
  return { plan: { ...header, stages: [stage] }, models: [Array.from({ length: n }, () => model)] };
}
