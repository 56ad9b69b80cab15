import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, readlink, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadPlan } from '../../lib/plan/repository.js';
import { PlanError } from '../../lib/plan/validate.js';
import { decodeModel } from './graph.js';
import type { PartitionedModel } from './partitioned-model.js';
import { splitTensorParallel } from '../strategies/tensor/tensor.js';
import { mlp } from '../models/synthetic.js';
import { writePartitionedModel } from './write.js';

/**
 * The versions in a model folder, after checking that it holds nothing else: each version is a
 * symlink, and the only other entries are the folders those links point at.
 */
async function versionsIn(modelDir: string): Promise<string[]> {
  const entries = (await readdir(modelDir)).sort();
  const versions = entries.filter((e) => !e.startsWith('.'));
  const targets = await Promise.all(versions.map((v) => readlink(path.join(modelDir, v))));
  assert.deepEqual(
    entries.filter((e) => e.startsWith('.')).sort(),
    [...targets].sort(),
    'only live versions',
  );
  return versions;
}

void describe('writePartitionedModel', () => {
  let root: string;
  let split: PartitionedModel;
  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'shardmesh-write-'));
    split = await splitTensorParallel(mlp({ inputDim: 8, hiddenDim: 16, outputDim: 4, seed: 1 }), {
      name: 'tiny',
      partitions: 2,
    });
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  void it('writes the partitions and a plan that loads back', async () => {
    const dir = path.join(root, 'tiny', '1');
    await writePartitionedModel(dir, split.plan, split.models, { extraFiles: { stamp: 'abc' } });
    assert.deepEqual((await readdir(dir)).sort(), [
      'plan.json',
      'stage-mlp-0-part-0.onnx',
      'stage-mlp-0-part-1.onnx',
      'stamp',
    ]);
    const loaded = await loadPlan(dir);
    assert.deepEqual(loaded.plan, split.plan);
    const part = decodeModel(await readFile(path.join(dir, 'stage-mlp-0-part-1.onnx')));
    assert.deepEqual(
      part.graph.initializer.map((t) => t.name),
      ['W1', 'b1', 'W2'],
    );
    assert.equal(await readFile(path.join(dir, 'stamp'), 'utf8'), 'abc');
  });

  void it('replaces an existing folder whole, leaving nothing of the old one', async () => {
    const dir = path.join(root, 'tiny', '2');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'stale.onnx'), 'old');
    await writePartitionedModel(dir, { ...split.plan, version: '2' }, split.models);
    assert.deepEqual((await readdir(dir)).sort(), [
      'plan.json',
      'stage-mlp-0-part-0.onnx',
      'stage-mlp-0-part-1.onnx',
    ]);
    assert.deepEqual(await versionsIn(path.join(root, 'tiny')), ['1', '2']);
  });

  void it('rejects an invalid plan before writing anything', async () => {
    const dir = path.join(root, 'bad', '1');
    const bad = {
      ...split.plan,
      stages: [
        { ...split.plan.stages[0]!, inputs: [{ name: 'nope', scatter: { kind: 'replicate' as const } }] },
      ],
    };
    await assert.rejects(
      writePartitionedModel(dir, bad, split.models),
      (e: unknown) => e instanceof PlanError && e.path === 'stages[0].inputs[0].name',
    );
    await assert.rejects(readdir(path.join(root, 'bad')), { code: 'ENOENT' });
  });

  void it('rejects models that do not match the plan', async () => {
    const dir = path.join(root, 'short', '1');
    await assert.rejects(
      writePartitionedModel(dir, split.plan, [split.models[0]!.slice(0, 1)]),
      /2 partitions/,
    );
    const renamed = {
      ...split.plan,
      stages: [
        {
          ...split.plan.stages[0]!,
          partitions: split.plan.stages[0]!.partitions.map((p) => ({ ...p, file: '../x.onnx' })),
        },
      ],
    };
    await assert.rejects(
      writePartitionedModel(dir, renamed, split.models),
      /expected "stage-mlp-0-part-0.onnx"/,
    );
    await assert.rejects(readdir(path.join(root, 'short')), { code: 'ENOENT' });
  });

  void it('removes its temporary folder when a write fails half way, keeping the old folder', async () => {
    const dir = path.join(root, 'tiny', '1');
    await assert.rejects(
      writePartitionedModel(dir, split.plan, split.models, { extraFiles: { '../escape': 'x' } }),
      /plain file name/,
    );
    assert.deepEqual(await versionsIn(path.join(root, 'tiny')), ['1', '2']);
    assert.deepEqual((await readdir(dir)).sort(), [
      'plan.json',
      'stage-mlp-0-part-0.onnx',
      'stage-mlp-0-part-1.onnx',
      'stamp',
    ]);
  });
});
