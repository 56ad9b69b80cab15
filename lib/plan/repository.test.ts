import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadPlan, loadRepository, planDir } from './repository.js';
import { PlanError } from './validate.js';

function plan(name: string, version: string): object {
  return {
    name,
    version,
    inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 4] }],
    outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 2] }],
    stages: [
      {
        name: 'main',
        partitions: [{ file: 'part-0.onnx' }],
        inputs: [{ name: 'x', scatter: { kind: 'replicate' } }],
        outputs: [{ name: 'y', gather: { kind: 'concat', axis: 0 } }],
      },
    ],
  };
}

async function writePlan(
  root: string,
  name: string,
  version: string,
  content: string | object,
): Promise<string> {
  const dir = planDir(root, name, version);
  await mkdir(dir, { recursive: true });
  await writeFile(
    path.join(dir, 'plan.json'),
    typeof content === 'string' ? content : JSON.stringify(content),
  );
  return dir;
}

void describe('model repository', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'shardmesh-repo-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  void test('planDir is <root>/<name>/<version>', () => {
    assert.equal(planDir('/models', 'ocr', '3'), path.join('/models', 'ocr', '3'));
  });

  void test('loadRepository finds every plan, versions in numeric order, skipping what is not a version', async () => {
    const repo = path.join(root, 'good');
    const a10 = await writePlan(repo, 'alpha', '10', plan('alpha', '10'));
    const a2 = await writePlan(repo, 'alpha', '2', plan('alpha', '2'));
    const a1 = await writePlan(repo, 'alpha', '1', plan('alpha', '1'));
    const b7 = await writePlan(repo, 'beta', '7', plan('beta', '7'));
    await mkdir(path.join(repo, 'alpha', 'scratch')); // not a number: not a version
    await writeFile(path.join(repo, 'alpha', '3'), 'a file, not a folder');
    await writeFile(path.join(repo, 'README.md'), 'not a model');
    const loaded = await loadRepository(repo);
    const byModel = (name: string) => loaded.filter((l) => l.plan.name === name);
    assert.deepEqual(
      byModel('alpha').map((l) => [l.plan.version, l.dir]),
      [
        ['1', a1],
        ['2', a2],
        ['10', a10],
      ],
    );
    assert.deepEqual(
      byModel('beta').map((l) => [l.plan.version, l.dir]),
      [['7', b7]],
    );
    assert.equal(loaded.length, 4);
    assert.equal(loaded[0]!.plan.stages[0]!.partitions[0]!.file, 'part-0.onnx');
    assert.equal(loaded[0]!.plan.maxBatchSize, 0);
  });

  void test('an empty repository has no plans', async () => {
    const repo = path.join(root, 'empty');
    await mkdir(repo);
    assert.deepEqual(await loadRepository(repo), []);
  });

  void test('a plan.json that is not JSON is an error naming the file', async () => {
    const dir = await writePlan(path.join(root, 'bad-json'), 'm', '1', '{ "name": ');
    await assert.rejects(loadPlan(dir), (error: unknown) => {
      assert.ok(error instanceof Error);
      assert.equal(
        error.message.startsWith(`${path.join(dir, 'plan.json')} is not JSON: `),
        true,
        error.message,
      );
      assert.ok(error.cause instanceof SyntaxError);
      return true;
    });
    await assert.rejects(loadRepository(path.join(root, 'bad-json')), /plan\.json is not JSON/);
  });

  void test('an invalid plan is a PlanError naming the field', async () => {
    const broken = { ...plan('m', '1'), inputs: [{ name: 'x', datatype: 'FP8', shape: [1] }] };
    const repo = path.join(root, 'bad-plan');
    await writePlan(repo, 'm', '1', broken);
    await assert.rejects(
      loadRepository(repo),
      (error: unknown) => error instanceof PlanError && error.path === 'inputs[0].datatype',
    );
  });

  void test('a missing plan.json rejects with ENOENT', async () => {
    const dir = path.join(root, 'no-plan', 'm', '1');
    await mkdir(dir, { recursive: true });
    await assert.rejects(loadPlan(dir), { code: 'ENOENT' });
  });
});
