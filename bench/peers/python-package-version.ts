import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { requireTool } from '../tools.js';

const run = promisify(execFile);

/** The installed version of `distribution` in the virtual environment of `python`. */
export async function pythonPackageVersion(python: string, distribution: string): Promise<string> {
  const { stdout } = await run(requireTool(python), [
    '-c',
    'import importlib.metadata, sys; print(importlib.metadata.version(sys.argv[1]))',
    distribution,
  ]);
  return stdout.trim();
}
