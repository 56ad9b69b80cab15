import type { LoadPoint } from '../perf-analyzer.js';
import type { SuiteError, TargetResult } from '../results.js';

/** Markdown building blocks shared by the report's sections. */

/** A figure as the tables print it: a perf_analyzer load point or a floor measurement. */
export type Point = Pick<LoadPoint, 'concurrency' | 'p50Us' | 'p99Us' | 'throughputPerSec'> & {
  command: string;
  stable?: boolean;
};

/** Numbers the commands of one section, so each figure can name its command as [n]. */
export class Commands {
  readonly #list: string[] = [];
  ref(command: string): string {
    let i = this.#list.indexOf(command);
    if (i < 0) i = this.#list.push(command) - 1;
    return `[${i + 1}]`;
  }
  render(): string {
    if (this.#list.length === 0) return '';
    return `\nCommands:\n\n${this.#list.map((c, i) => `${i + 1}. \`${c}\``).join('\n')}\n`;
  }
}

export const isError = (x: unknown): x is SuiteError => typeof x === 'object' && x !== null && 'error' in x;

export const table = (header: readonly string[], rows: readonly (readonly string[])[]): string =>
  [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');

export const pointAt = (t: TargetResult | undefined, c: number): Point | undefined =>
  t?.points.find((p) => p.concurrency === c) as Point | undefined;

/** The mark of a figure from a rerun that accepted unstable windows. */
export const unstable = (p: Point | undefined): string => (p && p.stable === false ? '\\*' : '');

/** A section's title and one line when its suite did not run or threw; undefined when it has results. */
export function suiteFailed(title: string, s: object | undefined): string | undefined {
  if (!s) return `## ${title}\n\nNot run.\n`;
  if (isError(s)) return `## ${title}\n\nFailed: ${s.error}\n`;
  return undefined;
}
