import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { graphProto, saveModel, tensorValueInfo } from '../partition/onnx/graph.js';
import { makeInitializer } from '../partition/onnx/weights.js';
import { FLOAT, node, randomFloat32, syntheticModel } from '../partition/models/synthetic.js';
import { OrtRunner } from '../services/shard/ort-runner.js';

const MiB = 1 << 20;
const WIDTH = 4096;

async function rssBytes(): Promise<number> {
  const status = await readFile('/proc/self/status', 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)![1]) * 1024;
}

/**
 * y [n, 1] = (a [n, 1] × b [1, 4096]) × c [4096, 1]: tiny inputs and outputs around an intermediate
 * of n × 16 KiB (64 MiB at n = 4096), which only ONNX Runtime allocates.
 */
function wideModel() {
  return syntheticModel(
    graphProto({
      name: 'wide',
      input: [tensorValueInfo('a', FLOAT, ['n', 1])],
      output: [tensorValueInfo('y', FLOAT, ['n', 1])],
      initializer: [
        makeInitializer('b', [1, WIDTH], randomFloat32(WIDTH, 1)),
        makeInitializer('c', [WIDTH, 1], randomFloat32(WIDTH, 2)),
      ],
      node: [node('MatMul', 'widen', ['a', 'b'], 'h'), node('MatMul', 'narrow', ['h', 'c'], 'y')],
    }),
    13,
  );
}

const input = (n: number) => ({
  name: 'a',
  datatype: 'FP32' as const,
  shape: [n, 1],
  data: Buffer.alloc(n * 4),
});

void describe('OrtRunner', () => {
  let dir: string;
  let file: string;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'shardmesh-ort-'));
    file = path.join(dir, 'wide.onnx');
    await saveModel(file, wideModel());
  });

  after(() => rm(dir, { recursive: true, force: true }));

  test('outputBytes sizes a symbolic dim from the input that carries the same symbol', async () => {
    const runner = await OrtRunner.load(file, 0);
    try {
      assert.equal(runner.outputBytes([{ name: 'a', datatype: 'FP32', shape: [4096, 1] }]), 4096 * 4);
      assert.equal(runner.outputBytes([{ name: 'a', datatype: 'FP32', shape: [10, 1] }]), 40);
    } finally {
      await runner.close();
    }
  });

  test("a large run's memory goes back once it ends; with ONNX Runtime's CPU arena it stays", async () => {
    /** RSS growth across one run at n = 4096 (a 64 MiB intermediate), after a warm-up run at n = 1. */
    const retainedBy = async (cpuMemArena?: boolean): Promise<number> => {
      const runner = await OrtRunner.load(file, 0, cpuMemArena === undefined ? {} : { cpuMemArena });
      try {
        await runner.run([input(1)]);
        const before = await rssBytes();
        await runner.run([input(WIDTH)]);
        return (await rssBytes()) - before;
      } finally {
        await runner.close();
      }
    };
    const withoutArena = await retainedBy();
    const withArena = await retainedBy(true);
    console.log(
      `RSS kept after a run with a 64 MiB intermediate: ${(withoutArena / MiB).toFixed(1)} MiB without the arena (the default), ${(withArena / MiB).toFixed(1)} MiB with it`,
    );
    assert.ok(withoutArena < 16 * MiB, `${withoutArena} bytes kept without the arena`);
    // The contrast shows this test can tell: the arena keeps the intermediate.
    assert.ok(withArena >= 48 * MiB, `${withArena} bytes kept with the arena`);
  });
});
