import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadPlan } from '../lib/plan/repository.js';
import { ocrRecognitionModelPath } from './models/demo-models.js';
import { encodeModel } from './onnx/graph.js';
import { SplitOptionError } from './split-error.js';
import { identityFromOut, runSplitCommand, type Splitter, type SplitStep } from './split.js';
import { cancellingMlp, mlp, outer } from './models/synthetic.js';

const exists = (file: string) =>
  stat(file).then(
    () => true,
    () => false,
  );

void describe('shardmesh split (runSplitCommand)', () => {
  let root: string;
  let mlpFile: string;
  const ocrFile = ocrRecognitionModelPath();
  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'shardmesh-split-'));
    mlpFile = path.join(root, 'mlp.onnx');
    await writeFile(mlpFile, encodeModel(mlp({ inputDim: 16, hiddenDim: 64, outputDim: 8, seed: 2 })));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  for (const [model, strategy, partitions] of [
    ['ocr', 'pipeline', 3],
    ['ocr', 'batch', 2],
    ['mlp', 'pipeline', 2],
    ['mlp', 'batch', 3],
  ] as const) {
    void it(`${strategy} on the ${model} model writes a plan that verifies bitwise`, async () => {
      const out = path.join(root, 'models', `${model}-${strategy}`, '7');
      const steps: SplitStep[] = [];
      const result = await runSplitCommand({
        model: model === 'ocr' ? ocrFile : mlpFile,
        out,
        strategy,
        partitions,
        verify: true,
        onStep: (step) => steps.push(step),
      });
      assert.equal(result.exitCode, 0, result.error);
      assert.deepEqual(steps, ['load', 'split', 'write', 'verify']);
      const { plan } = await loadPlan(out);
      assert.deepEqual(plan, result.plan);
      assert.equal(plan.name, `${model}-${strategy}`);
      assert.equal(plan.version, '7');
      assert.equal(plan.strategy, strategy);
      const files = plan.stages.flatMap((s) => s.partitions.map((p) => p.file));
      assert.equal(files.length, partitions);
      assert.deepEqual((await readdir(out)).sort(), ['plan.json', ...files].sort());
      const v = result.verification!;
      assert.equal(v.batch, strategy === 'batch' ? partitions : 1);
      assert.deepEqual(
        v.outputs.map((o) => [o.bitwise, o.maxAbs, o.maxRel, o.ok]),
        [[true, 0, 0, true]],
      );
    });
  }

  void it('--max-batch-size and dynamic batching go into plan.json; a plan that cannot batch is refused', async () => {
    const out = path.join(root, 'models', 'mlp-batched', '1');
    const dynamicBatching = { maxQueueDelayMicroseconds: 100, preferredBatchSizes: [4, 8] };
    const ok = await runSplitCommand({
      model: mlpFile,
      out,
      strategy: 'tensor',
      partitions: 2,
      maxBatchSize: 8,
      dynamicBatching,
    });
    assert.equal(ok.exitCode, 0, ok.error);
    const { plan } = await loadPlan(out);
    assert.deepEqual([plan.maxBatchSize, plan.dynamicBatching], [8, dynamicBatching]);
    const refusedOut = path.join(root, 'models', 'mlp-unbatchable', '1');
    const refused = await runSplitCommand({
      model: mlpFile,
      out: refusedOut,
      strategy: 'tensor',
      partitions: 2,
      maxBatchSize: 0,
      dynamicBatching,
    });
    assert.equal(refused.exitCode, 2);
    assert.match(refused.error!, /plan\.json maxBatchSize: dynamicBatching needs a batch dim/);
    assert.equal(await exists(refusedOut), false, 'a refused split writes nothing');
  });

  void it('a dynamic dim 0 in every input and output is detected as the batch dim: max_batch_size 8 unless given', async () => {
    const split = (name: string, model: string, extra: { maxBatchSize?: number } = {}) =>
      runSplitCommand({
        model,
        out: path.join(root, 'models', name, '1'),
        strategy: 'batch',
        partitions: 2,
        ...extra,
      });
    const detected = await split('mlp-detected', mlpFile);
    assert.equal(detected.exitCode, 0, detected.error);
    assert.equal(detected.plan!.maxBatchSize, 8);
    assert.equal((await loadPlan(path.join(root, 'models', 'mlp-detected', '1'))).plan.maxBatchSize, 8);
    assert.deepEqual(detected.batchDimension, { detected: true, maxBatchSize: 8, source: 'detected' });
    const given = await split('mlp-given', mlpFile, { maxBatchSize: 3 });
    assert.deepEqual([given.plan!.maxBatchSize, given.batchDimension!.source], [3, 'option']);
    const off = await split('mlp-off', mlpFile, { maxBatchSize: 0 });
    assert.deepEqual([off.plan!.maxBatchSize, off.batchDimension!.detected], [0, true]);
    // A fixed dim 0 (outer's rows) is no batch dim: max_batch_size stays 0.
    const outerFile = path.join(root, 'outer.onnx');
    await writeFile(outerFile, encodeModel(outer({ rows: 4, cols: 4, seed: 1 })));
    const fixed = await runSplitCommand({
      model: outerFile,
      out: path.join(root, 'models', 'outer-fixed', '1'),
      strategy: 'tensor',
      partitions: 2,
    });
    assert.equal(fixed.exitCode, 0, fixed.error);
    assert.deepEqual(fixed.batchDimension, { detected: false, maxBatchSize: 0, source: 'none' });
  });

  void it('head --topk on the ocr model verifies the merged top-k against the unsplit logits', async () => {
    const out = path.join(root, 'models', 'ocr-topk', '1');
    const result = await runSplitCommand({
      model: ocrFile,
      out,
      strategy: 'head',
      partitions: 3,
      topk: 5,
      verify: true,
    });
    assert.equal(result.exitCode, 0, result.error);
    assert.deepEqual(
      result.verification!.outputs.map((o) => [o.name, o.shape, o.bitwise]),
      [
        ['p2o.Add.277_topk_values', [1, 1, 5], true],
        ['p2o.Add.277_topk_indices', [1, 1, 5], true],
      ],
    );
  });

  void it('refuses a split, writing nothing, with the node and the reason', async () => {
    const out = path.join(root, 'models', 'refused', '1');
    const result = await runSplitCommand({ model: ocrFile, out, strategy: 'tensor', partitions: 2 });
    assert.equal(result.exitCode, 2);
    assert.match(result.error!, /^p2o\.\w+\.\d+ \(\w+\): \S/);
    assert.equal(await exists(path.join(root, 'models', 'refused')), false);
  });

  void it('refuses contradictory options, and a model it cannot load, writing nothing', async () => {
    const out = path.join(root, 'models', 'bad', '1');
    const cases = [
      [{ strategy: 'batch', partitions: 2, cuts: ['h'] }, /--cut applies to --strategy pipeline only/],
      [{ strategy: 'pipeline', partitions: 3, cuts: ['hidden'] }, /partitions \(3\) contradicts cuts/],
      [{ strategy: 'batch' }, /--partitions is needed/],
      [{ strategy: 'pipeline', partitions: 2, maxPartitionBytes: 5 }, /--max-partition-bytes applies/],
      [
        { strategy: 'head', partitions: 2, topk: 9 },
        /topk must be an integer from 1 to the head's 8 classes/,
      ],
      [{ strategy: 'batch', partitions: 2, model: path.join(root, 'nope.onnx') }, /^cannot load .*ENOENT/],
    ] as const;
    for (const [options, message] of cases) {
      const result = await runSplitCommand({ model: mlpFile, out, ...options });
      assert.equal(result.exitCode, 2);
      assert.match(result.error!, message);
    }
    assert.equal(await exists(out), false);
    assert.deepEqual(identityFromOut('models/ocr/3'), { name: 'ocr', version: '3' });
    assert.throws(
      () => identityFromOut('models/ocr/latest'),
      (e: unknown) => e instanceof SplitOptionError && /version "latest" is not digits/.test(e.message),
    );
  });

  void it('lets a crash in a strategy through: a TypeError or RangeError is not a refusal', async () => {
    for (const bug of [
      new TypeError("Cannot read properties of undefined (reading 'dims')"),
      new RangeError('Invalid typed array length: -4'),
    ]) {
      const out = path.join(root, 'models', 'crash', '1');
      const crashing: Splitter = () => Promise.reject(bug);
      await assert.rejects(
        runSplitCommand({
          model: mlpFile,
          out,
          strategy: 'tensor',
          partitions: 2,
          splitters: { tensor: crashing },
        }),
        (e: unknown) => e === bug,
      );
      assert.equal(await exists(path.join(root, 'models', 'crash')), false);
    }
  });

  void it('exits 1 when the partitions really differ beyond the tolerance, 0 within it', async () => {
    const model = path.join(root, 'cancelling.onnx');
    await writeFile(model, encodeModel(cancellingMlp()));
    const split = { model, strategy: 'tensor', partitions: 2, verify: true } as const;
    const strict = await runSplitCommand({ ...split, out: path.join(root, 'models', 'strict', '1') });
    assert.equal(strict.exitCode, 1, strict.error);
    assert.equal(strict.verification!.tolerance, 1e-5);
    assert.deepEqual(
      strict.verification!.outputs.map((o) => [o.name, o.bitwise, o.maxAbs, o.maxRel, o.ok]),
      [['y', false, 1, 1, false]],
    );
    const loose = await runSplitCommand({
      ...split,
      out: path.join(root, 'models', 'loose', '1'),
      tolerance: 1,
    });
    assert.equal(loose.exitCode, 0, loose.error);
    assert.deepEqual(
      loose.verification!.outputs.map((o) => [o.maxRel, o.ok]),
      [[1, true]],
    );
  });
});
