import type { Plan } from '../lib/plan/schema.js';

/**
 * Whether a split model has a batch dimension, and the max_batch_size `split` writes for it.
 *
 * Triton reports a batch dimension apart from a tensor's dims (`max_batch_size` > 0, dims without
 * the batch), and clients such as perf_analyzer rely on that: given `max_batch_size` 0 and a
 * dynamic first dim, perf_analyzer stops with "input ... contains dynamic shape" unless the user
 * passes `--shape`. So `split` detects the batch dimension the way Triton's ONNX Runtime backend
 * does when it completes a config: dim 0 is dynamic (-1 in the plan, a `dim_param` or an unnamed
 * dim in the ONNX file) in every model input and output.
 */

/**
 * The max_batch_size written for a detected batch dimension: 8, the value Triton's own example
 * models (`simple` and friends) declare; enough for perf_analyzer's and the examples' batches
 * while still refusing a runaway request. `split --max-batch-size N` overrides it, 0 turns it off.
 */
export const DEFAULT_MAX_BATCH_SIZE = 8;

/** True when dim 0 of every input and output of `plan` is dynamic (-1). */
export function hasBatchDimension(plan: Pick<Plan, 'inputs' | 'outputs'>): boolean {
  return [...plan.inputs, ...plan.outputs].every((t) => t.shape.length > 0 && t.shape[0] === -1);
}

/**
 * The default max_batch_size for a detected batch dimension: DEFAULT_MAX_BATCH_SIZE, or more when a
 * stage splits dim 0 across more partitions than that (each partition needs a row, so a smaller
 * limit would refuse every request).
 */
export function defaultMaxBatchSize(plan: Pick<Plan, 'stages'>): number {
  const splitsOfDim0 = plan.stages
    .filter((s) => s.inputs.some((i) => i.scatter.kind === 'split' && i.scatter.axis === 0))
    .map((s) => s.partitions.length);
  return Math.max(DEFAULT_MAX_BATCH_SIZE, ...splitsOfDim0);
}

/** What `split` decided about the batch dimension, for its report. */
export interface BatchDimensionChoice {
  /** Whether dim 0 is dynamic in every input and output. */
  readonly detected: boolean;
  /** The plan's maxBatchSize. */
  readonly maxBatchSize: number;
  /** `option`: given with --max-batch-size; `detected`: the default for a detected batch dim. */
  readonly source: 'option' | 'detected' | 'none';
}

/** The batch dimension choice for `plan` given the user's `--max-batch-size`, if any. */
export function chooseMaxBatchSize(plan: Plan, given: number | undefined): BatchDimensionChoice {
  const detected = hasBatchDimension(plan);
  if (given !== undefined) return { detected, maxBatchSize: given, source: 'option' };
  if (!detected) return { detected, maxBatchSize: 0, source: 'none' };
  return { detected, maxBatchSize: defaultMaxBatchSize(plan), source: 'detected' };
}

/** The line `split` prints about it. */
export function describeBatchDimension(choice: BatchDimensionChoice): string {
  if (choice.source === 'detected')
    return `batch dimension detected on dim 0; max_batch_size ${choice.maxBatchSize}; override with --max-batch-size N, 0 to turn off`;
  if (choice.maxBatchSize > 0) return `max_batch_size ${choice.maxBatchSize} (--max-batch-size)`;
  if (choice.detected)
    return 'batch dimension detected on dim 0 but turned off (--max-batch-size 0): max_batch_size 0';
  return 'no batch dimension (dim 0 is not dynamic in every input and output): max_batch_size 0';
}
