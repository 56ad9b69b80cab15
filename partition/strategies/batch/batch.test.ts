import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
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
import { SplitError, SplitOptionError } from '../../split-error.js';
import { isBatchable, splitBatch } from './batch.js';
import { mlp, randomTensor } from '../../models/synthetic.js';
import { runModel, runPartitioned } from '../../verify/verify.js';

const FLOAT = onnx.TensorProto.DataType.FLOAT;

/** `model` with its input `x` or output `y` redeclared with other dims. */
function redeclare(
  model: ModelProto,
  which: 'input' | 'output',
  dims: (number | string | null)[] | undefined,
): ModelProto {
  const name = which === 'input' ? 'x' : 'y';
  return withGraph(model, graphProto({ ...model.graph, [which]: [tensorValueInfo(name, FLOAT, dims)] }));
}

void describe('splitBatch (data parallel)', () => {
  const model = mlp({ inputDim: 16, hiddenDim: 32, outputDim: 8, seed: 3 });

  void it('plans one stage of whole-model partitions: inputs split on axis 0, outputs concatenated', () => {
    const { plan, models } = splitBatch(model, { name: 'mlp', version: '2', partitions: 3 });
    assert.equal(plan.strategy, 'batch');
    assert.equal(plan.version, '2');
    assert.equal(plan.stages.length, 1);
    const [stage] = plan.stages;
    assert.deepEqual(stage!.inputs, [{ name: 'x', scatter: { kind: 'split', axis: 0 } }]);
    assert.deepEqual(stage!.outputs, [{ name: 'y', gather: { kind: 'concat', axis: 0 } }]);
    assert.deepEqual(
      stage!.partitions.map((p) => [p.file, p.weightBytes]),
      [0, 1, 2].map((p) => [`stage-batch-part-${p}.onnx`, weightBytes(model)]),
    );
    assert.ok(models[0]!.every((m) => m === model));
  });

  for (const [partitions, batch] of [
    [2, 4],
    [3, 5],
  ] as const) {
    void it(`is bitwise equal to the unsplit MLP: ${partitions} partitions, batch ${batch}`, async () => {
      const split = splitBatch(model, { name: 'mlp', partitions });
      const x = randomTensor('x', [batch, 16], 40 + batch);
      const [expected] = await runModel(model, [x]);
      const [actual] = await runPartitioned(split, [x]);
      assert.deepEqual(actual!.shape, [batch, 8]);
      assert.ok(actual!.data.equals(expected!.data));
    });
  }

  void it('is bitwise equal to the unsplit PP-OCRv4 recogniser on a batch of 3, 2 partitions', async () => {
    const ocr = await loadModel(ocrRecognitionModelPath());
    const split = splitBatch(ocr, { name: 'ocr-rec', partitions: 2 });
    const x = randomTensor('x', [3, 3, 48, 64], 9);
    const [expected] = await runModel(ocr, [x]);
    const [actual] = await runPartitioned(split, [x]);
    assert.deepEqual(actual!.shape, [3, 8, 6625]);
    assert.ok(actual!.data.equals(expected!.data));
  });

  void it('refuses a fixed first dim, a scalar or an unknown rank, naming the tensor', () => {
    const cases: [ModelProto, RegExp][] = [
      [redeclare(model, 'input', [4, 16]), /^x: model input has a fixed first dim of 4/],
      [redeclare(model, 'output', [1, 8]), /^y: model output has a fixed first dim of 1/],
      [redeclare(model, 'input', []), /^x: model input is a scalar/],
      [redeclare(model, 'input', undefined), /^x: model input has no declared rank/],
    ];
    for (const [bad, message] of cases) {
      assert.equal(isBatchable(bad), false);
      assert.throws(
        () => splitBatch(bad, { name: 'm', partitions: 2 }),
        (e: unknown) => e instanceof SplitError && message.test(e.message),
      );
    }
    assert.equal(isBatchable(model), true);
    assert.equal(isBatchable(redeclare(model, 'input', [null, 16])), true);
    assert.throws(() => splitBatch(model, { name: 'm', partitions: 0 }), SplitOptionError);
  });
});
