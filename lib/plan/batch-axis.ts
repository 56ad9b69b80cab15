import type { Plan } from './schema.js';

/** Why a plan cannot batch requests along axis 0, and the field that says so. */
export interface BatchAxisProblem {
  readonly path: string;
  readonly message: string;
}

/**
 * Whether concatenating requests along axis 0, running the plan once and cutting every output back
 * along axis 0 gives each request what it would get alone. That holds when axis 0 is the batch of
 * every model input and output, and no stage mixes rows: a stage that splits an input along axis 0
 * must gather every output by `concat` on axis 0 (data parallel), and a stage that does not must
 * not `concat` on axis 0 (that would lay partitions' rows one after another). A one-partition
 * stage gathers nothing. Intermediate tensors' ranks are not in the plan, so a negative axis on one
 * is taken as an inner axis. Returns the first problem, or undefined.
 */
export function batchAxisProblem(plan: Plan): BatchAxisProblem | undefined {
  if (plan.maxBatchSize <= 0)
    return { path: 'maxBatchSize', message: 'dynamicBatching needs a batch dim: maxBatchSize > 0' };
  const preferred = plan.dynamicBatching?.preferredBatchSizes ?? [];
  const tooBig = preferred.findIndex((size) => size > plan.maxBatchSize);
  if (tooBig >= 0)
    return {
      path: `dynamicBatching.preferredBatchSizes[${tooBig}]`,
      message: `${preferred[tooBig]} exceeds maxBatchSize ${plan.maxBatchSize}`,
    };
  for (const [field, specs] of [
    ['inputs', plan.inputs],
    ['outputs', plan.outputs],
  ] as const) {
    const i = specs.findIndex((t) => t.shape[0] !== -1);
    if (i >= 0)
      return {
        path: `${field}[${i}].shape`,
        message: `dynamicBatching needs a dynamic leading batch dim (-1), not [${specs[i]!.shape}]`,
      };
  }
  const rank = new Map([...plan.inputs, ...plan.outputs].map((t) => [t.name, t.shape.length]));
  const isAxis0 = (name: string, axis: number): boolean =>
    axis === 0 || (axis < 0 && rank.get(name) === -axis);
  for (const [s, stage] of plan.stages.entries()) {
    if (stage.partitions.length === 1) continue;
    const splitsBatch = stage.inputs.some(
      (i) => i.scatter.kind === 'split' && isAxis0(i.name, i.scatter.axis),
    );
    for (const [o, output] of stage.outputs.entries()) {
      const g = output.gather;
      const concat0 = g.kind === 'concat' && isAxis0(output.name, g.axis);
      if (splitsBatch && !concat0)
        return {
          path: `stages[${s}].outputs[${o}].gather`,
          message: `stage "${stage.name}" splits the batch axis, so dynamicBatching needs concat on axis 0 here`,
        };
      if (!splitsBatch && concat0)
        return {
          path: `stages[${s}].outputs[${o}].gather.axis`,
          message: `concat on axis 0 of partitions that each hold the whole batch mixes requests; dynamicBatching cannot cut it back`,
        };
      if (g.kind === 'topk' && rank.get(output.name) === 1)
        return {
          path: `stages[${s}].outputs[${o}].gather`,
          message: `a top-k over the only axis ranks across the batch; dynamicBatching cannot cut it back`,
        };
    }
  }
  return undefined;
}
