import type { Gather, StagePlan } from '../lib/plan/schema.js';
import { describeBatchDimension } from '../partition/batch-dimension.js';
import { formatBytes } from '../partition/format-bytes.js';
import type { SplitCommandResult } from '../partition/split.js';

/**
 * What `shardmesh split` prints and exits with: the table of partitions and the verification, for
 * people, or why the split was refused, or that it crashed.
 */

/**
 * The exit code of a split that crashed (a bug in the splitter, not a refusal of the model):
 * EX_SOFTWARE from sysexits.h, apart from 0 (done), 1 (verification beyond the tolerance) and 2
 * (refused).
 */
export const SPLIT_CRASH_EXIT_CODE = 70;

export interface SplitOutput {
  readonly exitCode: number;
  /** For stdout: the report of a split that was made. */
  readonly stdout?: string;
  /** For stderr: why the split was refused, or the crash's stack. */
  readonly stderr?: string;
}

/**
 * What the CLI prints and exits with for a running split. A refusal (the result's `error`) is one
 * line; a rejection is a crash, reported with its stack under its own exit code so it never reads
 * as a refusal.
 */
export async function reportSplit(split: Promise<SplitCommandResult>): Promise<SplitOutput> {
  let result: SplitCommandResult;
  try {
    result = await split;
  } catch (error) {
    const detail =
      error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
    return {
      exitCode: SPLIT_CRASH_EXIT_CODE,
      stderr: `shardmesh split: crashed, a bug in shardmesh rather than a problem with the model:\n${detail}`,
    };
  }
  if (result.error !== undefined)
    return { exitCode: result.exitCode, stderr: `shardmesh split: ${result.error}` };
  return { exitCode: result.exitCode, stdout: formatSplitReport(result) };
}

/** Left-aligned columns, two spaces apart. */
function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) => cell.padEnd(widths[c]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** A stage output's gather for the table; a top-k's indices are merged with its values. */
function gatherText(stage: StagePlan, name: string, gather: Gather): string {
  for (const { gather: g } of stage.outputs) {
    if (g.kind === 'topk' && g.indices === name) return `topk ${g.k} indices`;
  }
  if (gather.kind === 'concat') return `concat ${gather.axis}`;
  if (gather.kind === 'topk') return `topk ${gather.k}`;
  return gather.kind;
}

const bytesCell = (n: number): string => `${n.toLocaleString('en-US')} (${formatBytes(n)})`;

/** What `shardmesh split` prints on stdout: the chosen strategy, the partitions, the verification. */
export function formatSplitReport(result: SplitCommandResult): string {
  const lines: string[] = [];
  if (result.error !== undefined) return `split refused: ${result.error}`;
  const plan = result.plan!;
  if (result.choice) lines.push(`auto chose ${result.choice.strategy}: ${result.choice.reason}`, '');
  const rows = [['partition', 'stage', 'weight bytes', 'inputs', 'outputs']];
  let total = 0;
  for (const stage of plan.stages) {
    const many = stage.partitions.length > 1;
    stage.partitions.forEach((partition, p) => {
      total += partition.weightBytes ?? 0;
      const inputs = stage.inputs.map((i) =>
        many && i.scatter.kind === 'split' ? `${i.name} (split ${i.scatter.axis})` : i.name,
      );
      const outputs = stage.outputs.map(({ name, gather }) =>
        many ? `${name} (${gatherText(stage, name, gather)})` : name,
      );
      rows.push([
        String(p),
        stage.name,
        bytesCell(partition.weightBytes ?? 0),
        inputs.join(', '),
        outputs.join(', '),
      ]);
    });
  }
  lines.push(`${plan.name}/${plan.version}: ${plan.strategy} split, ${plan.stages.length} stage(s)`);
  lines.push(table(rows));
  lines.push(
    `total ${bytesCell(total)} of weights; the unsplit model holds ${bytesCell(result.originalWeightBytes ?? 0)}`,
  );
  if (result.batchDimension) lines.push(describeBatchDimension(result.batchDimension));
  const v = result.verification;
  if (v) {
    lines.push(
      '',
      `verify (seed ${v.seed}, batch ${v.batch}, tolerance ${v.tolerance.toExponential()} max relative):`,
    );
    const report = [['output', 'shape', 'max abs', 'max rel', 'bitwise', 'result']];
    for (const d of v.outputs) {
      report.push([
        d.name,
        `[${d.shape.join(', ')}]`,
        d.maxAbs.toExponential(3),
        d.maxRel.toExponential(3),
        d.bitwise ? 'yes' : 'no',
        d.ok ? 'ok' : 'FAIL',
      ]);
    }
    lines.push(table(report));
  }
  return lines.join('\n');
}
