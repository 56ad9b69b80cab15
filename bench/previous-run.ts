import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { BenchResults } from './results.js';

/** A run's mode: runs are compared only with runs of the same mode. */
export interface RunMode {
  readonly quick: boolean;
  readonly profile: boolean;
}

/** Length of the time stamp that starts a run id. */
const STAMP = '20260102T030405'.length;

export const modeOf = (r: Pick<BenchResults, 'quick' | 'profile'>): RunMode => ({
  quick: r.quick,
  profile: r.profile ?? false,
});

/**
 * The newest run in `dir` (bench/results/RUN_ID.json) of the same mode that started before
 * `runId` and ran every suite in `suites` (result keys, e.g. `largeTensors`): a run of one suite
 * is then compared with the newest that has it, and a whole run never with a run of one suite.
 * Run ids start with the UTC time (20260102T030405), so name order is time order. Files that are
 * not a run's JSON, or do not parse, are passed over.
 */
export async function findPreviousRun(
  dir: string,
  runId: string,
  mode: RunMode,
  suites: readonly string[] = [],
): Promise<BenchResults | undefined> {
  const files = (await readdir(dir).catch(() => [] as string[]))
    .filter((f) => /^\d{8}T\d{6}.*\.json$/.test(f) && f.slice(0, STAMP) < runId.slice(0, STAMP))
    .sort()
    .reverse();
  for (const file of files) {
    let r: BenchResults;
    try {
      r = JSON.parse(await readFile(path.join(dir, file), 'utf8')) as BenchResults;
    } catch {
      continue;
    }
    if (typeof r.runId !== 'string' || typeof r.suites !== 'object') continue;
    const m = modeOf(r);
    if (m.quick !== mode.quick || m.profile !== mode.profile) continue;
    if (suites.every((s) => s in r.suites)) return r;
  }
  return undefined;
}
