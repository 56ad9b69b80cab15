import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { PACKAGE_ROOT } from '../cli/paths.js';
import { venvPython } from './tools.js';

const run = promisify(execFile);

/** Draws RUN_ID.png from RUN_ID.json with bench/chart.py (matplotlib, in .tools/bench/chart). */
export async function renderChart(jsonFile: string, pngFile: string): Promise<{ error?: string }> {
  const python = venvPython('chart');
  if (!existsSync(python)) return { error: `${python} is missing (bash scripts/bootstrap-bench.sh)` };
  try {
    await run(python, [path.join(PACKAGE_ROOT, 'bench', 'chart.py'), jsonFile, pngFile], {
      timeout: 120_000,
    });
    return {};
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    return { error: (e.stderr || e.message).trim().split('\n').slice(-3).join(' | ') };
  }
}
