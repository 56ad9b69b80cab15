import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { DEMO_INPUT_WIDTH } from '../../partition/models/demo-models.js';
import type { Tensor } from '../../lib/tensor/tensor.js';

/** The input every SDK's README example sends to the demo model: x = 0.1, 0.2, … as FP32 [1, 8]. */
export function exampleInput(): Tensor {
  const values = Float32Array.from({ length: DEMO_INPUT_WIDTH }, (_, i) => Number(((i + 1) / 10).toFixed(1)));
  return { name: 'x', datatype: 'FP32', shape: [1, DEMO_INPUT_WIDTH], data: Buffer.from(values.buffer) };
}

/** An FP32 tensor from printed numbers, each rounded to float32 as the client held it. */
export function printedTensor(name: string, shape: readonly number[], numbers: readonly number[]): Tensor {
  return { name, datatype: 'FP32', shape, data: Buffer.from(Float32Array.from(numbers).buffer) };
}

/**
 * Asserts that the README shows the example the test runs: every non-blank line of the README's
 * first ```language block appears, trimmed, in the example file.
 */
export async function assertReadmeShowsExample(
  readmeFile: string,
  language: string,
  exampleFile: string,
): Promise<void> {
  const readme = await readFile(readmeFile, 'utf8');
  const block = new RegExp('```' + language + '\\n([\\s\\S]*?)```').exec(readme);
  assert.ok(block, `${readmeFile} has no \`\`\`${language} block`);
  const example = new Set((await readFile(exampleFile, 'utf8')).split('\n').map((l) => l.trim()));
  const missing = block[1]!
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !example.has(l));
  assert.deepEqual(missing, [], `lines of ${readmeFile}'s example that ${exampleFile} does not run`);
}
