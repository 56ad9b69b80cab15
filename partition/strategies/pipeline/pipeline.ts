import type { StagePlan } from '../../../lib/plan/schema.js';
import {
  describeNode,
  extractSubgraph,
  valueDims,
  type ModelProto,
  type NodeProto,
  type ValueInfoProto,
} from '../../onnx/graph.js';
import {
  partitionEntry,
  planHeader,
  type PartitionedModel,
  type PlanIdentity,
} from '../../onnx/partitioned-model.js';
import { chooseCuts, pipelineSchedule, type PipelineSchedule } from './schedule.js';
import { SplitError, SplitOptionError } from '../../split-error.js';
import { inferValueTypes, type TypeInferrer } from '../../onnx/value-types.js';

/**
 * Pipeline parallelism: the graph cut into stages at tensor boundaries, one partition each,
 * chained in the plan by tensor name. A stage reads model inputs and any earlier stage's outputs,
 * and outputs what later stages or the client read. Each node runs in exactly one stage on the
 * numbers it sees in the unsplit model; Constant nodes go with every stage that reads them.
 *
 * Without `cuts`, cuts balance weight bytes (initializers plus Constant node values): see
 * `chooseCuts`. With `cuts`, stage k computes what `cuts[k]` needs that no earlier stage computed,
 * and the last stage the rest.
 */
export interface PipelineSplitOptions extends PlanIdentity {
  /** Number of stages. With `cuts`, it must be `cuts.length + 1` when given. @default cuts.length + 1 */
  readonly partitions?: number;
  /** Tensors to cut after, in order, by value name. @default chosen to balance weight bytes */
  readonly cuts?: readonly string[];
  /**
   * Fraction of the total weight bytes a chosen cut may stray from its balance target to cross
   * fewer tensors. @default 0.02
   */
  readonly balanceSlack?: number;
  /** Types the boundary values, which exported models often leave undeclared. @default inferValueTypes (ONNX Runtime) */
  readonly inferTypes?: TypeInferrer;
}

/** Which stage each compute node runs in, by its position in the schedule. */
type Assignment = readonly number[];

function stageCount(options: PipelineSplitOptions): number {
  const { partitions, cuts } = options;
  if (cuts && partitions !== undefined && partitions !== cuts.length + 1) {
    throw new SplitOptionError(
      'partitions',
      `partitions (${partitions}) contradicts cuts: ${cuts.length} cuts make ${cuts.length + 1} stages`,
    );
  }
  const n = partitions ?? (cuts ? cuts.length + 1 : undefined);
  if (n === undefined || !Number.isInteger(n) || n < 1)
    throw new SplitOptionError('partitions', `partitions must be a positive integer, not ${n}`);
  return n;
}

/** Stage k holds the not yet assigned ancestors of cuts[k] (and cuts[k]'s producer). */
function assignByCuts(schedule: PipelineSchedule, cuts: readonly string[]): Assignment {
  const producer = new Map<string, number>();
  schedule.nodes.forEach((node, i) => node.output.forEach((o) => o && producer.set(o, i)));
  const stage = schedule.nodes.map(() => cuts.length);
  const assigned = new Set<number>();
  cuts.forEach((cut, k) => {
    const at = producer.get(cut);
    if (at === undefined) throw new SplitError(cut, 'is not computed by any node, so it cannot be cut at');
    if (assigned.has(at))
      throw new SplitError(cut, `is computed before cut ${k - 1} ("${cuts[k - 1]}"); list cuts in order`);
    const pending = [at];
    while (pending.length > 0) {
      const i = pending.pop()!;
      if (assigned.has(i)) continue;
      assigned.add(i);
      stage[i] = k;
      for (const input of schedule.nodes[i]!.input) {
        const j = producer.get(input);
        if (j !== undefined) pending.push(j);
      }
    }
  });
  if (assigned.size === schedule.nodes.length)
    throw new SplitError(cuts.at(-1)!, 'leaves no nodes for the last stage');
  return stage;
}

/** Stage of the node at each position, from the gaps cut after. */
function assignByGaps(schedule: PipelineSchedule, gaps: readonly number[]): Assignment {
  let k = 0;
  return schedule.nodes.map((_, i) => {
    while (k < gaps.length && gaps[k]! < i) k++;
    return k;
  });
}

interface StageBoundary {
  readonly inputs: string[];
  readonly outputs: string[];
}

/** Each stage's inputs (model inputs first, then earlier stages' values) and outputs. */
function boundaries(
  model: ModelProto,
  schedule: PipelineSchedule,
  assignment: Assignment,
  stages: number,
  modelInputs: readonly string[],
): StageBoundary[] {
  const modelOutputs = new Set(model.graph.output.map((o) => o.name));
  const made = new Map<string, number>();
  schedule.nodes.forEach((node, i) => node.output.forEach((o) => o && made.set(o, i)));
  const reads = Array.from({ length: stages }, () => new Set<string>());
  schedule.nodes.forEach((node, i) => node.input.forEach((v) => v && reads[assignment[i]!]!.add(v)));
  const result = Array.from({ length: stages }, (_, k): StageBoundary => {
    const inputs = modelInputs.filter((name) => reads[k]!.has(name));
    const fromEarlier = [...reads[k]!].filter((v) => made.has(v) && assignment[made.get(v)!]! < k);
    inputs.push(...fromEarlier.sort((a, b) => made.get(a)! - made.get(b)!));
    return { inputs, outputs: [] };
  });
  const readLater = new Set(result.flatMap((b) => b.inputs));
  for (const [value, i] of [...made].sort(([, a], [, b]) => a - b)) {
    if (readLater.has(value) || modelOutputs.has(value)) result[assignment[i]!]!.outputs.push(value);
  }
  for (const name of modelOutputs) {
    if (!made.has(name))
      throw new SplitError(name, 'is a model output that no compute node makes (a constant or an input)');
  }
  result.forEach((b, k) => {
    if (b.outputs.length > 0) return;
    const last = schedule.nodes.filter((_, i) => assignment[i] === k).at(-1);
    throw new SplitError(
      last ? describeNode(last) : `stage ${k}`,
      `ends stage ${k}, which computes nothing that a later stage or the model outputs read`,
    );
  });
  return result;
}

/**
 * Stage outputs that are scalars: a one-partition stage gathers with concat, which needs an axis.
 * A scalar model output can be placed nowhere; a scalar between stages means cutting elsewhere.
 */
function scalarOutputs(
  types: ReadonlyMap<string, ValueInfoProto>,
  stages: readonly StageBoundary[],
  modelOutputs: readonly string[],
): string[] {
  const scalars = stages
    .flatMap((s) => s.outputs)
    .filter((name) => {
      const info = types.get(name);
      return info !== undefined && valueDims(info)?.length === 0;
    });
  const output = scalars.find((name) => modelOutputs.includes(name));
  if (output !== undefined)
    throw new SplitError(output, 'is a scalar model output; a stage output needs an axis to gather on');
  return scalars;
}

export async function splitPipeline(
  model: ModelProto,
  options: PipelineSplitOptions,
): Promise<PartitionedModel> {
  const n = stageCount(options);
  const header = planHeader(model, options, 'pipeline');
  const modelInputs = header.inputs.map((i) => i.name);
  const schedule = pipelineSchedule(model.graph);
  const inferTypes = options.inferTypes ?? inferValueTypes;
  const excluded = new Set<number>();
  for (;;) {
    const assignment = options.cuts
      ? assignByCuts(schedule, options.cuts)
      : assignByGaps(
          schedule,
          chooseCuts(schedule, { stages: n, balanceSlack: options.balanceSlack ?? 0.02, excluded }),
        );
    const stages = boundaries(model, schedule, assignment, n, modelInputs);
    const crossing = [...new Set(stages.flatMap((s) => [...s.inputs, ...s.outputs]))];
    const types = await inferTypes(model, crossing);
    const scalar = scalarOutputs(
      types,
      stages,
      header.outputs.map((o) => o.name),
    );
    if (scalar.length === 0) return build(model, header, schedule, assignment, stages, types);
    if (options.cuts) {
      throw new SplitError(
        scalar[0]!,
        'is a scalar that would cross between stages; a stage output needs an axis to gather on',
      );
    }
    // Cut elsewhere: nowhere a scalar is live. Each round excludes the gap that passed it, so the
    // loop ends, at the latest when chooseCuts runs out of gaps.
    for (const name of scalar) {
      const life = schedule.lifetimes.get(name)!;
      for (let g = life.made; g < life.lastRead; g++) excluded.add(g);
    }
  }
}

function build(
  model: ModelProto,
  header: ReturnType<typeof planHeader>,
  schedule: PipelineSchedule,
  assignment: Assignment,
  boundary: readonly StageBoundary[],
  types: ReadonlyMap<string, ValueInfoProto>,
): PartitionedModel {
  const own = new Map<NodeProto, number>(schedule.nodes.map((node, i) => [node, assignment[i]!]));
  const models = boundary.map(({ inputs, outputs }, k) => {
    const sub = extractSubgraph(model, { inputs, outputs, types });
    const stray = sub.graph.node.find((node) => node.opType !== 'Constant' && own.get(node) !== k);
    if (stray)
      throw new Error(`pipeline: ${describeNode(stray)} was assigned to stage ${own.get(stray)}, not ${k}`);
    return sub;
  });
  const stages = boundary.map(({ inputs, outputs }, k): StagePlan => ({
    name: String(k),
    partitions: [partitionEntry(String(k), 0, models[k]!)],
    inputs: inputs.map((name) => ({ name, scatter: { kind: 'replicate' } })),
    // One partition: concat along axis 0 passes its output through unchanged.
    outputs: outputs.map((name) => ({ name, gather: { kind: 'concat', axis: 0 } })),
  }));
  return { plan: { ...header, stages }, models: models.map((m) => [m]) };
}
