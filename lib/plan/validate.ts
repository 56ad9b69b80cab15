import { bytesPerElement } from '../tensor/dtype.js';
import { LENGTH_PREFIX_BYTES } from '../tensor/bytes.js';
import { batchAxisProblem } from './batch-axis.js';
import { planSchema, type Plan } from './schema.js';

/** Thrown for a plan that cannot be served; `path` names the bad field, as `stages[1].inputs[0].name`. */
export class PlanError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`plan.json ${path}: ${message}`);
    this.name = 'PlanError';
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`))
    .join('');
}

/** Parses and checks a plan: shape by schema, then the links between stages that a schema cannot say. */
export function validatePlan(json: unknown): Plan {
  const parsed = planSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new PlanError(formatPath(issue.path) || '(root)', issue.message);
  }
  const plan = parsed.data;
  const available = new Map(plan.inputs.map((t) => [t.name, 'a model input']));
  const stageNames = new Set<string>();
  plan.stages.forEach((stage, s) => {
    if (stageNames.has(stage.name)) throw new PlanError(`stages[${s}].name`, `"${stage.name}" is used twice`);
    stageNames.add(stage.name);
    stage.inputs.forEach((input, i) => {
      if (!available.has(input.name)) {
        throw new PlanError(
          `stages[${s}].inputs[${i}].name`,
          `"${input.name}" is neither a model input nor an output of an earlier stage`,
        );
      }
    });
    stage.outputs.forEach((output, o) => {
      const where = `stages[${s}].outputs[${o}]`;
      if (available.has(output.name)) {
        throw new PlanError(`${where}.name`, `"${output.name}" is already ${available.get(output.name)}`);
      }
      const gather = output.gather;
      if (gather.kind === 'topk') {
        if (gather.columnOffsets.length !== stage.partitions.length) {
          throw new PlanError(
            `${where}.gather.columnOffsets`,
            `has ${gather.columnOffsets.length} entries for ${stage.partitions.length} partitions`,
          );
        }
        // The indices are listed as an output of their own (the partitions return both), in any order.
        const paired = stage.outputs.some(
          (other) => other.name === gather.indices && other.gather.kind !== 'topk',
        );
        if (!paired) {
          throw new PlanError(
            `${where}.gather.indices`,
            `"${gather.indices}" must name another output of stage "${stage.name}" that is not a top-k`,
          );
        }
      }
      available.set(output.name, `an output of stage "${stage.name}"`);
    });
  });
  plan.outputs.forEach((output, o) => {
    if (!available.has(output.name) || plan.inputs.some((i) => i.name === output.name)) {
      throw new PlanError(`outputs[${o}].name`, `"${output.name}" is not produced by any stage`);
    }
  });
  if (plan.maxRequestBytes !== undefined) {
    // A dim of -1 takes 1 at the least, a BYTES element its 4-byte length prefix: below that no
    // request of this model could ever be served.
    const width = (t: Plan['inputs'][number]): number =>
      t.datatype === 'BYTES' ? LENGTH_PREFIX_BYTES : bytesPerElement(t.datatype);
    const smallest = plan.inputs.reduce(
      (n, t) => n + t.shape.reduce((e, d) => e * Math.max(d, 1), 1) * width(t),
      0,
    );
    if (plan.maxRequestBytes < smallest)
      throw new PlanError(
        'maxRequestBytes',
        `${plan.maxRequestBytes} is less than the ${smallest} bytes the smallest request of these inputs holds`,
      );
  }
  checkSealing(plan);
  if (plan.dynamicBatching) {
    const problem = batchAxisProblem(plan);
    if (problem) throw new PlanError(problem.path, problem.message);
  }
  return plan;
}

/**
 * A plan is sealed as a whole or not at all: with `sealing`, every partition has its `sealed`
 * record; without it, none has. A shard never loads a half-sealed version as clear.
 */
function checkSealing(plan: Plan): void {
  plan.stages.forEach((stage, s) =>
    stage.partitions.forEach((partition, p) => {
      const where = `stages[${s}].partitions[${p}].sealed`;
      if (plan.sealing && !partition.sealed)
        throw new PlanError(where, 'is missing: the plan has sealing, so every partition must be sealed');
      if (!plan.sealing && partition.sealed)
        throw new PlanError(where, 'is set but the plan has no sealing record (key id, wrapped data key)');
      if ((partition.bytes === undefined) !== (partition.sha256 === undefined))
        throw new PlanError(
          `stages[${s}].partitions[${p}].${partition.bytes === undefined ? 'bytes' : 'sha256'}`,
          'is missing: a partition records its size and SHA-256 together',
        );
    }),
  );
}
