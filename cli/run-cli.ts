import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CLI_ENTRY } from './paths.js';

/** How a `shardmesh` command ended: its exit code and what it printed. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the built `shardmesh` command as a user would, a child process in `cwd`, and returns how it
 * ended, a non-zero exit included (tests read usage errors from it). Rejects only when the command
 * could not run or took longer than 30 s.
 */
export async function runCli(cwd: string, ...args: string[]): Promise<CliRun> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI_ENTRY, ...args], {
      cwd,
      timeout: 30_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw error;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}
