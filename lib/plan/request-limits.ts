import { normalizeAxis } from '../tensor/tensor.js';
import type { Plan, StagePlan } from './schema.js';

/**
 * The bytes of inputs a request may carry when the plan sets no `maxRequestBytes`: room for the
 * demo models' largest inputs many times over, and small enough that one request cannot take a
 * shard's memory (each partition holds its inputs, ORT's copies and its outputs at once).
 */
export const DEFAULT_MAX_REQUEST_BYTES = 64 << 20;

export function maxRequestBytes(plan: Plan): number {
  return plan.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
}

/** A model input's dim that a stage splits across its partitions, so it must hold one per partition. */
export interface SplitDim {
  readonly axis: number;
  readonly partitions: number;
  readonly stage: string;
}

/**
 * Whether a stage can run a request that leaves some partitions an empty slice by not calling
 * them: when every split input is cut along one axis and every output is concatenated along that
 * same axis, an empty slice adds no rows, so the other partitions' outputs are the whole answer.
 * That is a `batch` strategy's stage (data parallel): a batch of 1 on a model cut 2 ways runs on
 * one partition.
 */
export function skipsEmptySlices(stage: StagePlan): boolean {
  const axes = new Set(stage.inputs.flatMap((i) => (i.scatter.kind === 'split' ? [i.scatter.axis] : [])));
  if (axes.size !== 1) return false;
  const [axis] = axes;
  return stage.outputs.every((o) => o.gather.kind === 'concat' && o.gather.axis === axis);
}

/**
 * For each model input a stage scatters by `split` and cannot skip an empty slice of
 * (`skipsEmptySlices`): the axes it splits and into how many parts. A request whose dim there is
 * smaller than the partition count would leave a partition an empty slice, which ONNX Runtime
 * refuses on every replica, so the router refuses it first.
 */
export function splitDims(plan: Plan, input: string, rank: number): SplitDim[] {
  const dims: SplitDim[] = [];
  for (const stage of plan.stages) {
    for (const i of stage.inputs) {
      if (i.name !== input || i.scatter.kind !== 'split' || stage.partitions.length < 2) continue;
      if (skipsEmptySlices(stage)) continue;
      const axis = i.scatter.axis;
      if (axis < -rank || axis >= rank) continue;
      dims.push({ axis: normalizeAxis(axis, rank), partitions: stage.partitions.length, stage: stage.name });
    }
  }
  return dims;
}
