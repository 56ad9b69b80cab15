import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { ocrRecognitionModelPath } from '../../models/demo-models.js';
import {
  graphProto,
  loadModel,
  onnx,
  tensorValueInfo,
  withGraph,
  type ModelProto,
} from '../../onnx/graph.js';
import { weightBytes } from '../../onnx/weights.js';
import type { PartitionedModel } from '../../onnx/partitioned-model.js';
import { SplitError } from '../../split-error.js';
import { splitAuto } from './auto.js';
import { mlp, randomTensor } from '../../models/synthetic.js';
import { relativeMaxError, runModel, runPartitioned } from '../../verify/verify.js';

const largest = (split: PartitionedModel): number =>
  Math.max(...split.plan.stages.flatMap((s) => s.partitions.map((p) => p.weightBytes!)));

void describe('splitAuto on a synthetic MLP', () => {
  const model = mlp({ inputDim: 32, hiddenDim: 128, outputDim: 16, seed: 5 });
  const total = weightBytes(model);

  void it('replicates a model that fits one partition and has a batch dim: batch', async () => {
    for (const maxPartitionBytes of [undefined, total]) {
      const { split, choice } = await splitAuto(model, {
        name: 'mlp',
        partitions: 2,
        ...(maxPartitionBytes ? { maxPartitionBytes } : {}),
      });
      assert.equal(choice.strategy, 'batch');
      assert.equal(split.plan.strategy, 'batch');
      assert.match(choice.reason, /fits one partition.*dynamic batch dim/);
    }
  });

  void it('pipelines a model that fits but has a fixed first dim', async () => {
    const fixed = withGraph(
      model,
      graphProto({ ...model.graph, input: [tensorValueInfo('x', onnx.TensorProto.DataType.FLOAT, [4, 32])] }),
    );
    const { choice } = await splitAuto(fixed, { name: 'mlp', partitions: 2 });
    assert.equal(choice.strategy, 'pipeline');
    assert.match(choice.reason, /x: model input has a fixed first dim of 4/);
  });

  void it('divides the weights of a model that does not fit: tensor, within 1e-5 of the unsplit MLP', async () => {
    const { split, choice } = await splitAuto(model, {
      name: 'mlp',
      partitions: 2,
      maxPartitionBytes: total * 0.6,
    });
    assert.equal(choice.strategy, 'tensor');
    assert.match(choice.reason, /exceed one partition.*tensor: the largest of its partitions holds/);
    assert.ok(largest(split) <= total * 0.6);
    const x = randomTensor('x', [3, 32], 1);
    const [expected] = await runModel(model, [x]);
    const [actual] = await runPartitioned(split, [x]);
    assert.ok(relativeMaxError(actual!, expected!) <= 1e-5);
  });
});

void describe('splitAuto on PP-OCRv4 text recognition', () => {
  let ocr: ModelProto;
  let total: number;
  before(async () => {
    ocr = await loadModel(ocrRecognitionModelPath());
    total = weightBytes(ocr);
  });

  void it('shards the classifier when the rest fits: head', async () => {
    const limit = 0.75 * total;
    const { split, choice } = await splitAuto(ocr, {
      name: 'ocr-rec',
      partitions: 2,
      maxPartitionBytes: limit,
    });
    assert.equal(choice.strategy, 'head');
    assert.match(choice.reason, /tensor does not apply \(p2o\.\w+\.\d+ \(\w+\): /);
    assert.ok(largest(split) <= limit);
  });

  void it('pipelines when no single stage may hold the backbone', async () => {
    const limit = 0.55 * total;
    const { split, choice } = await splitAuto(ocr, {
      name: 'ocr-rec',
      partitions: 2,
      maxPartitionBytes: limit,
    });
    assert.equal(choice.strategy, 'pipeline');
    assert.match(choice.reason, /head: its largest partition would hold 7\.\d+ MiB; pipeline/);
    assert.ok(largest(split) <= limit);
  });

  void it('says what each strategy would give when none fits', async () => {
    await assert.rejects(
      splitAuto(ocr, { name: 'ocr-rec', partitions: 2, maxPartitionBytes: 1_000_000 }),
      (e: unknown) =>
        e instanceof SplitError &&
        /no strategy fits 10\.3 MiB of weights into 2 partitions/.test(e.message) &&
        /pipeline: its largest partition would hold/.test(e.message) &&
        /try more partitions/.test(e.message),
    );
  });
});
