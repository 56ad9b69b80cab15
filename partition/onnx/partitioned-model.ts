import type { Plan, TensorSpecJson } from '../../lib/plan/schema.js';
import { datatypeFromOnnx } from '../../lib/tensor/dtype.js';
import { valueDims, type ModelProto, type ValueInfoProto } from './graph.js';
import { weightBytes } from './weights.js';
import { SplitError } from '../split-error.js';

/**
 * What a strategy produces: a plan and the partition models it names, `models[s][p]` being
 * partition p of `plan.stages[s]`, to be written by `writePartitionedModel`.
 */
export interface PartitionedModel {
  readonly plan: Plan;
  readonly models: readonly (readonly ModelProto[])[];
}

/** Options every strategy takes. */
export interface PlanIdentity {
  /** Model name in the repository. */
  readonly name: string;
  /** Repository version, digits only. @default '1' */
  readonly version?: string;
  /** The plan's maxBatchSize (Triton's meaning; 0: no batch dim declared). @default 0 */
  readonly maxBatchSize?: number;
}

/** The file a partition is written to, relative to the plan's folder. */
export function partitionFileName(stage: string, partition: number): string {
  return `stage-${stage}-part-${partition}.onnx`;
}

/** A plan `partitions[]` entry for partition `partition` of `stage`. */
export function partitionEntry(
  stage: string,
  partition: number,
  model: ModelProto,
): { file: string; weightBytes: number } {
  return { file: partitionFileName(stage, partition), weightBytes: weightBytes(model) };
}

/** A graph input or output as the plan lists it: dynamic dims become -1. */
export function tensorSpec(info: ValueInfoProto): TensorSpecJson {
  const elemType = info.type?.tensorType?.elemType;
  const dims = valueDims(info);
  if (elemType == null || dims === undefined)
    throw new SplitError(info.name, 'a model input or output needs a tensor type with a known rank');
  let datatype;
  try {
    datatype = datatypeFromOnnx(elemType);
  } catch (error) {
    if (error instanceof TypeError)
      throw new SplitError(info.name, `model input or output: ${error.message}`);
    throw error;
  }
  return { name: info.name, datatype, shape: dims.map((d) => (typeof d === 'number' ? d : -1)) };
}

/** The plan's header fields for `model`. */
export function planHeader(
  model: ModelProto,
  identity: PlanIdentity,
  strategy: string,
): Omit<Plan, 'stages'> {
  return {
    name: identity.name,
    version: identity.version ?? '1',
    strategy,
    // Models from IR < 4 list initializers among the inputs too; those are not fed.
    inputs: model.graph.input
      .filter((i) => !model.graph.initializer.some((t) => t.name === i.name))
      .map(tensorSpec),
    outputs: model.graph.output.map(tensorSpec),
    maxBatchSize: identity.maxBatchSize ?? 0,
  };
}
