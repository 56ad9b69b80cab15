import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { PACKAGE_ROOT } from '../../cli/paths.js';

const run = promisify(execFile);

/** A tool installed by `scripts/bootstrap.sh`; a missing one fails the test that needs it, loudly. */
export function toolPath(relative: string): string {
  const file = path.join(PACKAGE_ROOT, '.tools', relative);
  if (!existsSync(file))
    throw new Error(`${file} is missing: run \`bash scripts/bootstrap.sh\` (npm test does)`);
  return file;
}

export interface ToolResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a tool to completion, returning its exit code and output instead of throwing on failure. */
export async function runTool(
  file: string,
  args: readonly string[],
  timeoutMs = 60_000,
  options: { readonly env?: NodeJS.ProcessEnv; readonly cwd?: string } = {},
): Promise<ToolResult> {
  try {
    const { stdout, stderr } = await run(file, args, {
      ...options,
      timeout: timeoutMs,
      maxBuffer: 256 << 20,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof e.code === 'number' ? e.code : -1,
      stdout: e.stdout ?? '',
      stderr: e.stderr ?? String(error),
    };
  }
}
