import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../cli/paths.js';
import type { Tensor } from '../../lib/tensor/tensor.js';
import { runTool, toolPath } from './tools.js';

/** What Triton's Python client said about the server and the model, and the output it got. */
export interface TritonAnswer {
  readonly live: boolean;
  readonly ready: boolean;
  readonly model_ready: boolean;
  readonly metadata: { name: string; outputs: { name: string }[] };
  readonly output_shape: number[];
  /** The first output's bytes, little-endian FP32. */
  readonly output: Buffer;
}

/**
 * One FP32 inference with `tritonclient.grpc` (integration/clients/triton_check.py, run by the
 * venv's Python) over TLS with the `client` certificate of `certsDir`, as a user of Triton's client
 * would call the router. `workDir` takes the input and output files. Rejects with the script's
 * stderr if it fails.
 */
export async function tritonInfer(
  address: string,
  certsDir: string,
  model: string,
  x: Tensor,
  workDir: string,
): Promise<TritonAnswer> {
  const input = path.join(workDir, `triton-${x.name}.raw`);
  const output = path.join(workDir, `triton-${x.name}-out.raw`);
  await writeFile(input, x.data);
  const script = path.join(PACKAGE_ROOT, 'integration', 'clients', 'triton_check.py');
  const args = [script, address, certsDir, model, x.name, x.shape.join(','), input, output];
  const result = await runTool(toolPath('venv/bin/python'), args, 120_000);
  if (result.code !== 0) throw new Error(`triton_check.py exited ${result.code}: ${result.stderr}`);
  const said = JSON.parse(result.stdout) as Omit<TritonAnswer, 'output'>;
  return { ...said, output: await readFile(output) };
}
