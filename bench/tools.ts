import { existsSync } from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../cli/paths.js';

/**
 * Where `scripts/bootstrap-bench.sh` puts what the benchmarks run: perf_analyzer (through its
 * wrapper) and one Python virtual environment per peer, plus one for the chart.
 */
export const TOOLS_DIR = path.join(PACKAGE_ROOT, '.tools');

export const PERF_ANALYZER = path.join(TOOLS_DIR, 'bin', 'perf_analyzer');

export type BenchVenv = 'mlserver' | 'kserve' | 'chart';

/** The Python of a bench venv. */
export function venvPython(venv: BenchVenv): string {
  return path.join(TOOLS_DIR, 'bench', venv, 'bin', 'python');
}

/** Throws naming the bootstrap step when `file` is missing. */
export function requireTool(file: string): string {
  if (!existsSync(file))
    throw new Error(`${file} is missing: run \`bash scripts/bootstrap-bench.sh\` (npm run bench does)`);
  return file;
}

/** A path relative to the repository root, for commands printed in reports. */
export function fromRoot(file: string): string {
  const relative = path.relative(PACKAGE_ROOT, file);
  return relative.startsWith('..') ? file : relative;
}
