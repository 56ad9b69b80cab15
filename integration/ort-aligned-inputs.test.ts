// OrtRunner's kept input memory (services/shard/aligned-inputs.ts) on real ONNX Runtime: inputs
// whose bytes lie at an offset their typed array cannot start at are copied into memory the runner
// keeps, one buffer per run in flight, so runs queued together each read their own inputs.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { graphProto, saveModel, tensorValueInfo } from '../partition/onnx/graph.js';
import { FLOAT, node, syntheticModel } from '../partition/models/synthetic.js';
import { OrtRunner } from '../services/shard/ort-runner.js';
import type { Tensor } from '../lib/tensor/tensor.js';

/** y = x + x, x and y [n] FP32. */
const doubler = () =>
  syntheticModel(
    graphProto({
      name: 'double',
      input: [tensorValueInfo('x', FLOAT, ['n'])],
      output: [tensorValueInfo('y', FLOAT, ['n'])],
      node: [node('Add', 'double', ['x', 'x'], 'y')],
    }),
    13,
  );

/** Input x holding `values`, its bytes at byte offset `offset` of their memory (1: misaligned). */
function input(values: number[], offset: number): Tensor {
  const memory = Buffer.alloc(offset + values.length * 4);
  values.forEach((v, i) => memory.writeFloatLE(v, offset + i * 4));
  return { name: 'x', datatype: 'FP32', shape: [values.length], data: memory.subarray(offset) };
}

const valuesOf = (t: Tensor): number[] =>
  Array.from({ length: t.data.length / 4 }, (_, i) => t.data.readFloatLE(i * 4));

void describe('OrtRunner kept input memory', () => {
  let dir: string;
  let file: string;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'shardmesh-aligned-'));
    file = path.join(dir, 'double.onnx');
    await saveModel(file, doubler());
  });

  after(() => rm(dir, { recursive: true, force: true }));

  test('runs queued together each read their own misaligned inputs; the memory is kept for later runs', async () => {
    const runner = await OrtRunner.load(file, 0);
    try {
      const batches = [0, 1, 2, 3].map((k) => Array.from({ length: 256 }, (_, i) => k * 1000 + i));
      // Started together: each builds its inputs before any native run starts.
      const outputs = await Promise.all(batches.map((values) => runner.run([input(values, 1)])));
      outputs.forEach((out, k) =>
        assert.deepEqual(
          valuesOf(out[0]!),
          batches[k]!.map((v) => 2 * v),
          `run ${k}`,
        ),
      );
      const kept = runner.inputScratchBytes;
      assert.equal(kept, 4 * 256 * 4, 'one buffer per run that was in flight, kept');
      assert.deepEqual(valuesOf((await runner.run([input([1, 2, 3], 3)]))[0]!), [2, 4, 6]);
      assert.equal(runner.inputScratchBytes, kept, 'a later misaligned input reuses kept memory');
    } finally {
      await runner.close();
    }
    assert.equal(runner.inputScratchBytes, 0, 'close lets the memory go');
  });

  test('an aligned input is read where it lies: nothing copied, nothing kept', async () => {
    const runner = await OrtRunner.load(file, 0);
    try {
      assert.deepEqual(valuesOf((await runner.run([input([5, 6], 8)]))[0]!), [10, 12]);
      assert.equal(runner.inputScratchBytes, 0);
    } finally {
      await runner.close();
    }
  });
});
