import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadRepository } from '../../lib/plan/repository.js';
import { DEMO_INPUT_WIDTH, prepareModelRepository, type PreparedRepository } from './demo-models.js';
import type { Tensor } from '../../lib/tensor/tensor.js';
import { randomTensor } from './synthetic.js';
import { decodeBytes, encodeBytes } from '../../lib/tensor/bytes.js';
import { relativeMaxError, runLoadedPlan, runModel } from '../verify/verify.js';

void describe('prepareModelRepository', () => {
  let base: string;
  let root: string;
  let repo: PreparedRepository;
  let coldMs: number;
  before(async () => {
    base = await mkdtemp(path.join(tmpdir(), 'shardmesh-repo-'));
    root = path.join(base, 'models');
    const started = performance.now();
    repo = await prepareModelRepository(root);
    coldMs = performance.now() - started;
  });
  after(async () => {
    await rm(base, { recursive: true, force: true });
  });

  void it('creates mlp, ocr-rec, outer, simple and simple_string, version 1, with originals outside the repository', async (t) => {
    assert.deepEqual((await readdir(root)).sort(), ['mlp', 'ocr-rec', 'outer', 'simple', 'simple_string']);
    assert.deepEqual((await readdir(path.join(base, 'originals'))).sort(), [
      'mlp.onnx',
      'ocr-rec.onnx',
      'outer.onnx',
      'simple.onnx',
      'simple_string.onnx',
    ]);
    const plans = await loadRepository(root);
    assert.deepEqual(
      plans
        .map(({ plan }) => [
          plan.name,
          plan.version,
          plan.strategy,
          plan.stages.map((s) => s.partitions.length),
        ])
        .sort(),
      [
        ['mlp', '1', 'tensor', [2]],
        ['ocr-rec', '1', 'head', [1, 2, 1]],
        ['outer', '1', 'tensor', [2]],
        ['simple', '1', 'batch', [1]],
        ['simple_string', '1', 'batch', [2]],
      ],
    );
    // simple's batch dim is detected as `split` detects it; simple_string declares Triton's 8; the
    // others declare none.
    assert.deepEqual(plans.map(({ plan }) => [plan.name, plan.maxBatchSize]).sort(), [
      ['mlp', 0],
      ['ocr-rec', 0],
      ['outer', 0],
      ['simple', 8],
      ['simple_string', 8],
    ]);
    for (const model of Object.values(repo.models)) assert.equal(model.rebuilt, true);
    t.diagnostic(`prepareModelRepository: ${Math.round(coldMs)} ms cold`);
  });

  void it('does no work the second time', async (t) => {
    const before = (await stat(path.join(root, 'ocr-rec', '1', 'plan.json'))).mtimeMs;
    const started = performance.now();
    const again = await prepareModelRepository(root);
    t.diagnostic(`prepareModelRepository: ${Math.round(performance.now() - started)} ms warm`);
    for (const model of Object.values(again.models)) assert.equal(model.rebuilt, false);
    assert.equal((await stat(path.join(root, 'ocr-rec', '1', 'plan.json'))).mtimeMs, before);
  });

  void it('rebuilds a model whose partitions were split another number of ways', async () => {
    const three = await prepareModelRepository(root, { partitions: 3 });
    assert.equal(three.models.mlp.rebuilt, true);
    const [mlp] = (await loadRepository(root)).filter((l) => l.plan.name === 'mlp');
    assert.equal(mlp!.plan.stages[0]!.partitions.length, 3);
    assert.deepEqual((await readdir(three.models.mlp.dir)).filter((f) => f.endsWith('.onnx')).length, 3);
    await prepareModelRepository(root);
  });

  void it('serves from disk what the originals compute: ocr-rec and outer bitwise, mlp within 1e-5', async () => {
    const plans = new Map((await loadRepository(root)).map((l) => [l.plan.name, l]));
    const cases = [
      { name: 'ocr-rec', input: randomTensor('x', [1, 3, 48, 320], 1), exact: true },
      { name: 'outer', input: randomTensor('a', [4096, 1], 2), exact: true },
      { name: 'mlp', input: randomTensor('x', [3, DEMO_INPUT_WIDTH], 3), exact: false },
    ] as const;
    for (const { name, input, exact } of cases) {
      const [expected] = await runModel(repo.models[name].original, [input]);
      const [actual] = await runLoadedPlan(plans.get(name)!, [input]);
      if (exact) assert.ok(actual!.data.equals(expected!.data), name);
      else assert.ok(relativeMaxError(actual!, expected!) <= 1e-5, name);
    }
  });

  void it('simple: OUTPUT0 = INPUT0 + INPUT1 and OUTPUT1 = INPUT0 - INPUT1, INT32', async () => {
    const int32 = (name: string, values: number[]): Tensor => ({
      name,
      datatype: 'INT32',
      shape: [2, 16],
      data: Buffer.from(Int32Array.from(values).buffer),
    });
    const a = Array.from({ length: 32 }, (_, i) => i * 1000 - 7);
    const b = Array.from({ length: 32 }, (_, i) => 3 - i);
    const [simple] = (await loadRepository(root)).filter((l) => l.plan.name === 'simple');
    const outputs = await runLoadedPlan(simple!, [int32('INPUT0', a), int32('INPUT1', b)]);
    const values = (t: Tensor) =>
      Array.from(new Int32Array(t.data.buffer, t.data.byteOffset, t.data.length / 4));
    assert.deepEqual(
      outputs.map((t) => [t.name, t.datatype, t.shape, values(t)]),
      [
        ['OUTPUT0', 'INT32', [2, 16], a.map((x, i) => x + b[i]!)],
        ['OUTPUT1', 'INT32', [2, 16], a.map((x, i) => x - b[i]!)],
      ],
    );
  });

  void it('simple_string: BYTES in, sum and difference as decimal strings out, split by rows as unsplit', async () => {
    const [loaded] = (await loadRepository(root)).filter((l) => l.plan.name === 'simple_string');
    assert.equal(loaded!.plan.maxBatchSize, 8);
    assert.deepEqual(loaded!.plan.inputs[0], { name: 'INPUT0', datatype: 'BYTES', shape: [-1, 16] });
    const rows = 3;
    const a = Array.from({ length: rows * 16 }, (_, i) => i * 37 - 400);
    const b = Array.from({ length: rows * 16 }, (_, i) => (i % 5) - 2);
    const tensor = (name: string, values: number[]) => ({
      name,
      datatype: 'BYTES' as const,
      shape: [rows, 16],
      data: encodeBytes(values.map(String)),
    });
    const inputs = [tensor('INPUT0', a), tensor('INPUT1', b)];
    const expected = await runModel(repo.models.simple_string.original, inputs);
    const actual = await runLoadedPlan(loaded!, inputs);
    const text = (t: { data: Buffer }) => decodeBytes(t.data, rows * 16).map((e) => e.toString());
    assert.deepEqual(
      text(expected[0]!),
      a.map((x, i) => String(x + b[i]!)),
    );
    assert.deepEqual(
      text(expected[1]!),
      a.map((x, i) => String(x - b[i]!)),
    );
    assert.deepEqual(
      actual.map((t) => [t.name, t.datatype, t.shape]),
      [
        ['OUTPUT0', 'BYTES', [rows, 16]],
        ['OUTPUT1', 'BYTES', [rows, 16]],
      ],
    );
    actual.forEach((t, i) => assert.ok(t.data.equals(expected[i]!.data), t.name));
  });
});
