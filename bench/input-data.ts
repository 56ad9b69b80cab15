import { writeFile } from 'node:fs/promises';
import type { Tensor } from '../lib/tensor/tensor.js';
import { randomTensor } from '../partition/models/synthetic.js';

/** A model input with a concrete shape. */
export interface InputShape {
  readonly name: string;
  readonly shape: readonly number[];
}

/**
 * The request every server gets: seeded FP32 numbers uniform in [-1, 1) for each input. Not
 * perf_analyzer's default `random`, which fills FP32 tensors with random bytes: some are NaN,
 * MLServer then answers "required argument is not a float" (a NaN output turns into JSON null on
 * its way out), and NaN arithmetic would time differently anyway.
 */
export function benchInputs(inputs: readonly InputShape[], seed = 1): Tensor[] {
  return inputs.map((input, i) => randomTensor(input.name, input.shape, seed + i));
}

/** Writes tensors as perf_analyzer's `--input-data` JSON: one request, shapes given. */
export async function writePerfAnalyzerInput(file: string, tensors: readonly Tensor[]): Promise<string> {
  const request = Object.fromEntries(
    tensors.map((t) => {
      const values = new Float32Array(t.data.buffer, t.data.byteOffset, t.data.byteLength / 4);
      return [t.name, { content: Array.from(values), shape: [...t.shape] }];
    }),
  );
  await writeFile(file, JSON.stringify({ data: [request] }));
  return file;
}
