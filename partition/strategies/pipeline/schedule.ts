import { describeNode, type GraphProto, type NodeProto, type TensorProto } from '../../onnx/graph.js';
import { tensorBytes } from '../../onnx/weights.js';
import { SplitError } from '../../split-error.js';

/**
 * The graph as a pipeline split sees it: its compute nodes (everything but Constant nodes, which
 * travel with whichever stage reads them) in one topological order, the weight bytes each node is
 * the first to read, and how many values are live across each gap, i.e. what a cut there must pass
 * from one stage to the next. Gap g lies between nodes g and g + 1. Model inputs never count as
 * crossing: any stage may read them.
 */
export interface PipelineSchedule {
  readonly nodes: readonly NodeProto[];
  /** prefixBytes[i]: weight bytes first read by nodes 0..i. */
  readonly prefixBytes: readonly number[];
  /** Weight bytes read by any node; prefixBytes of the last node. */
  readonly totalBytes: number;
  /** crossingCounts[g]: values computed by nodes 0..g and read by a node after g. */
  readonly crossingCounts: readonly number[];
  /** Where each computed value is made and last read, as node positions. */
  readonly lifetimes: ReadonlyMap<string, { readonly made: number; readonly lastRead: number }>;
}

/** Bytes of each constant value: initializers and Constant node values, as `weightBytes` counts them. */
function constantBytes(graph: GraphProto): Map<string, number> {
  const bytes = new Map(graph.initializer.map((t) => [t.name, tensorBytes(t)]));
  for (const node of graph.node) {
    if (node.opType !== 'Constant') continue;
    const value = node.attribute.find((a) => a.name === 'value')?.t;
    bytes.set(node.output[0]!, value ? tensorBytes(value as TensorProto) : 0);
  }
  return bytes;
}

/**
 * The compute nodes in a topological order: the graph's own when it is one (ONNX requires it, and
 * exporters keep related nodes together), else Kahn's order taking the lowest graph index first.
 */
export function topologicalOrder(graph: GraphProto): NodeProto[] {
  const nodes = graph.node.filter((n) => n.opType !== 'Constant');
  const producer = new Map<string, number>();
  nodes.forEach((n, i) => n.output.forEach((o) => o && producer.set(o, i)));
  const deps = nodes.map((n) => [
    ...new Set(n.input.map((v) => producer.get(v)).filter((j) => j !== undefined)),
  ]);
  if (deps.every((d, i) => d.every((j) => j < i))) return nodes;
  const waiting = deps.map((d) => d.length);
  const readers: number[][] = nodes.map(() => []);
  deps.forEach((d, i) => d.forEach((j) => readers[j]!.push(i)));
  const ready = waiting.flatMap((w, i) => (w === 0 ? [i] : []));
  const order: NodeProto[] = [];
  while (ready.length > 0) {
    ready.sort((a, b) => b - a);
    const i = ready.pop()!;
    order.push(nodes[i]!);
    for (const r of readers[i]!) if (--waiting[r]! === 0) ready.push(r);
  }
  if (order.length < nodes.length) {
    const stuck = nodes.find((n) => !order.includes(n))!;
    throw new SplitError(describeNode(stuck), 'is on a cycle, so the graph has no stage order');
  }
  return order;
}

export function pipelineSchedule(graph: GraphProto): PipelineSchedule {
  const nodes = topologicalOrder(graph);
  const constants = constantBytes(graph);
  const seen = new Set<string>();
  const prefixBytes: number[] = [];
  const lifetimes = new Map<string, { made: number; lastRead: number }>();
  let total = 0;
  nodes.forEach((node, i) => {
    for (const input of node.input) {
      const bytes = constants.get(input);
      if (bytes !== undefined && !seen.has(input)) {
        seen.add(input);
        total += bytes;
      }
      const life = lifetimes.get(input);
      if (life) life.lastRead = i;
    }
    prefixBytes.push(total);
    for (const output of node.output) if (output) lifetimes.set(output, { made: i, lastRead: i });
  });
  // Difference array: +1 where a value is made, -1 where it is last read.
  const delta = new Array<number>(nodes.length + 1).fill(0);
  for (const { made, lastRead } of lifetimes.values()) {
    if (lastRead === made) continue;
    delta[made]! += 1;
    delta[lastRead]! -= 1;
  }
  const crossingCounts: number[] = [];
  let live = 0;
  for (let g = 0; g < nodes.length - 1; g++) crossingCounts.push((live += delta[g]!));
  return { nodes, prefixBytes, totalBytes: total, crossingCounts, lifetimes };
}

/** The values a cut after node `gap` passes on, in the order they are made. */
export function crossingAt(schedule: PipelineSchedule, gap: number): string[] {
  return [...schedule.lifetimes]
    .filter(([, life]) => life.made <= gap && life.lastRead > gap)
    .sort(([, a], [, b]) => a.made - b.made)
    .map(([name]) => name);
}

/**
 * Ops ONNX Runtime fuses with the element-wise ops after them (a bias Add, BatchNormalization, an
 * activation) into one kernel, whose rounding can differ from the ops run apart; a cut right after
 * one would run them apart in one split and fused in the unsplit model.
 */
const FUSED_WITH_NEXT: ReadonlySet<string> = new Set([
  'Conv',
  'ConvTranspose',
  'MatMul',
  'Gemm',
  'BatchNormalization',
  'InstanceNormalization',
  'LayerNormalization',
]);

/** Whether a cut after node `gap` passes on the output of an op fused with what follows it. */
function splitsFusion(schedule: PipelineSchedule, gap: number): boolean {
  return crossingAt(schedule, gap).some((value) =>
    FUSED_WITH_NEXT.has(schedule.nodes[schedule.lifetimes.get(value)!.made]!.opType),
  );
}

export interface CutOptions {
  /** Stages to cut into. */
  readonly stages: number;
  /** Fraction of the total weight bytes a cut may stray from its target to cross fewer values. */
  readonly balanceSlack: number;
  /** Gaps not to cut at (e.g. where a scalar would cross). */
  readonly excluded?: ReadonlySet<number>;
}

/**
 * `rest[j][t]`: the least sum of squared stage weights when the nodes from `starts[t]` on are cut
 * into j stages (some may be empty here) that begin only at `starts` (ascending, ending with the
 * node count). Squares, rather than the heaviest stage alone, also balance the stages beside an
 * uncuttable giant (a small BERT's 47 MB embedding). The squared weight of a run of nodes obeys
 * the quadrangle inequality, so the best next start never moves back as t grows, and each row is
 * filled by divide and conquer: O(stages · starts · log starts).
 */
function restCosts(prefix: (i: number) => number, starts: readonly number[], stages: number): Float64Array[] {
  const end = prefix(starts.at(-1)!);
  const last = Float64Array.from(starts, (i) => (end - prefix(i)) ** 2);
  const rest: Float64Array[] = [new Float64Array(starts.length), last];
  for (let j = 2; j <= stages; j++) {
    const fewer = rest[j - 1]!;
    const row = new Float64Array(starts.length);
    const solve = (lo: number, hi: number, optLo: number, optHi: number): void => {
      if (lo > hi) return;
      const mid = (lo + hi) >> 1;
      let best = Infinity;
      let bestAt = Math.max(mid, optLo);
      for (let t = Math.max(mid, optLo); t <= optHi; t++) {
        const cost = (prefix(starts[t]!) - prefix(starts[mid]!)) ** 2 + fewer[t]!;
        if (cost < best) [best, bestAt] = [cost, t];
      }
      row[mid] = best;
      solve(lo, mid - 1, optLo, bestAt);
      solve(mid + 1, hi, bestAt, optHi);
    };
    solve(0, starts.length - 1, 0, starts.length - 1);
    rest.push(row);
  }
  return rest;
}

/**
 * Gaps to cut after, one fewer than the stages, chosen one at a time. A gap's cost is the sum of
 * squared stage weights it leads to: its own stage's, plus the best split of what is left into the
 * remaining stages (`restCosts`). Of the gaps whose cost is within what moving a balanced cut by
 * `balanceSlack` of the weights would add, it takes the one crossing the fewest values, then one
 * that does not separate an op from the element-wise ops ONNX Runtime fuses with it (a layer keeps
 * its bias and activation), then the cheapest, then the latest (a stage ends just before the node
 * reading the next weights).
 */
export function chooseCuts(schedule: PipelineSchedule, options: CutOptions): number[] {
  const { nodes, prefixBytes, totalBytes, crossingCounts } = schedule;
  const m = nodes.length;
  const n = options.stages;
  // Moving the cut between two equal stages by d bytes adds 2 d² to the sum of squares.
  const tolerance = 2 * (options.balanceSlack * totalBytes) ** 2;
  /** Weight of the nodes before position i. */
  const prefix = (i: number) => (i === 0 ? 0 : prefixBytes[i - 1]!);
  const allowed = crossingCounts.flatMap((_, g) => (options.excluded?.has(g) ? [] : [g]));
  const starts = [0, ...allowed.map((g) => g + 1), m];
  const startIndex = new Map(starts.map((i, t) => [i, t]));
  const rest = restCosts(prefix, starts, n - 1);
  const gaps: number[] = [];
  for (let k = 1; k < n; k++) {
    const previous = gaps.at(-1) ?? -1;
    const done = prefix(previous + 1);
    // Every stage keeps at least one node.
    const candidates = allowed.filter((g) => g > previous && g <= m - 1 - (n - k));
    if (candidates.length === 0) {
      throw new SplitError(
        'graph',
        `has ${m} compute nodes and no place left for cut ${k} of ${n - 1}; use fewer partitions`,
      );
    }
    const cost = (g: number) => (prefix(g + 1) - done) ** 2 + rest[n - k]![startIndex.get(g + 1)!]!;
    const cheapest = candidates.reduce((low, g) => Math.min(low, cost(g)), Infinity);
    const scored = candidates
      .filter((g) => cost(g) <= cheapest + tolerance)
      .map((g) => ({ g, score: [crossingCounts[g]!, splitsFusion(schedule, g) ? 1 : 0, cost(g), -g] }));
    gaps.push(scored.reduce((a, b) => (compare(b.score, a.score) < 0 ? b : a)).g);
  }
  return gaps;
}

function compare(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}
