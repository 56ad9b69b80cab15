import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { validatePlan } from '../../../lib/plan/validate.js';
import { ocrRecognitionModelPath } from '../../models/demo-models.js';
import {
  graphProto,
  loadModel,
  modelProto,
  nodeProto,
  onnx,
  tensorValueInfo,
  type ModelProto,
} from '../../onnx/graph.js';
import { makeInitializer, weightBytes } from '../../onnx/weights.js';
import type { PartitionedModel } from '../../onnx/partitioned-model.js';
import { SplitError } from '../../split-error.js';
import { findHead, splitHead } from './head.js';
import { mlp, randomFloat32, randomTensor } from '../../models/synthetic.js';
import { runModel, runPartitioned, runPlan } from '../../verify/verify.js';

void describe('splitHead on PP-OCRv4 text recognition', () => {
  let model: ModelProto;
  let split: PartitionedModel;
  before(async () => {
    model = await loadModel(ocrRecognitionModelPath());
    split = await splitHead(model, { name: 'ocr-rec', partitions: 2 });
  });

  void it('finds the 120 × 6625 classifier, whose weights are Constant nodes', () => {
    const head = findHead(model);
    assert.equal(head.matmul.name, 'p2o.MatMul.24');
    assert.equal(head.input, 'transpose_51.tmp_0');
    assert.deepEqual(head.weight.dims, [120, 6625]);
    assert.equal(head.bias?.weight.name, 'linear_85.b_0');
    assert.equal(head.output, 'p2o.Add.277');
  });

  void it('plans backbone → head (2 partitions, concat on the last axis) → tail', () => {
    const { plan } = split;
    assert.equal(plan.strategy, 'head');
    assert.deepEqual(plan.inputs, [{ name: 'x', datatype: 'FP32', shape: [-1, 3, 48, -1] }]);
    assert.deepEqual(plan.outputs, [{ name: 'softmax_11.tmp_0', datatype: 'FP32', shape: [-1, -1, 6625] }]);
    assert.deepEqual(
      plan.stages.map((s) => [s.name, s.partitions.length]),
      [
        ['backbone', 1],
        ['head', 2],
        ['tail', 1],
      ],
    );
    assert.deepEqual(plan.stages[1]!.inputs, [
      { name: 'transpose_51.tmp_0', scatter: { kind: 'replicate' } },
    ]);
    assert.deepEqual(plan.stages[1]!.outputs, [{ name: 'p2o.Add.277', gather: { kind: 'concat', axis: 2 } }]);
    assert.deepEqual(
      plan.stages[2]!.inputs.map((i) => i.name),
      ['p2o.Add.277'],
    );
    const headBytes = plan.stages[1]!.partitions.map((p) => p.weightBytes!);
    assert.deepEqual(headBytes, [4 * 3313 * 121, 4 * 3312 * 121]);
    const total = plan.stages.flatMap((s) => s.partitions).reduce((n, p) => n + p.weightBytes!, 0);
    assert.equal(total, weightBytes(model));
  });

  void it('is bitwise equal to the unsplit model on [1, 3, 48, 320]', async () => {
    const x = randomTensor('x', [1, 3, 48, 320], 2024);
    const [expected] = await runModel(model, [x]);
    const [actual] = await runPartitioned(split, [x]);
    assert.deepEqual(actual!.shape, [1, 40, 6625]);
    assert.ok(actual!.data.equals(expected!.data));
  });

  void it('stays bitwise equal for a batch of 2, three partitions, and ORT default session options', async () => {
    const three = await splitHead(model, { name: 'ocr-rec', partitions: 3 });
    const x = randomTensor('x', [2, 3, 48, 160], 7);
    const defaults = {}; // ORT's defaults: all cores, optimisation level 'all'
    const [expected] = await runModel(model, [x], defaults);
    const [actual] = await runPlan(three.plan, (s, p) => three.models[s]![p]!, [x], defaults);
    assert.deepEqual(actual!.shape, [2, 20, 6625]);
    assert.ok(actual!.data.equals(expected!.data));
  });
});

void describe('splitHead without a tail', () => {
  void it('makes two stages when the head writes the model output, bitwise equal', async () => {
    const model = mlp({ inputDim: 16, hiddenDim: 32, outputDim: 10, seed: 4 });
    const split = await splitHead(model, { name: 'mlp-head', partitions: 3 });
    assert.deepEqual(
      split.plan.stages.map((s) => s.name),
      ['backbone', 'head'],
    );
    assert.deepEqual(split.plan.stages[1]!.outputs, [{ name: 'y', gather: { kind: 'concat', axis: 1 } }]);
    const x = randomTensor('x', [3, 16], 5);
    const [expected] = await runModel(model, [x]);
    const [actual] = await runPartitioned(split, [x]);
    assert.ok(actual!.data.equals(expected!.data));
  });

  void it('refuses a head that is not a MatMul with a constant weight, naming it', async () => {
    const model = mlp({ inputDim: 4, hiddenDim: 4, outputDim: 4, seed: 4 });
    await assert.rejects(
      splitHead(model, { name: 'm', partitions: 2, head: 'act' }),
      (e: unknown) => e instanceof SplitError && e.node === 'act (Relu)',
    );
    await assert.rejects(splitHead(model, { name: 'm', partitions: 5 }), /fc2 \(MatMul\).*4 classes into 5/);
  });
});

const FLOAT = onnx.TensorProto.DataType.FLOAT;

/**
 * x [batch, 6] → fc1 (MatMul + Add) → h → head (MatMul + Add) → logits; y = LayerNorm(logits + h):
 * a residual block, whose tail reads `h` from before the head as well as the head's output.
 */
function residualBlock(): ModelProto {
  const dim = 6;
  const graph = graphProto({
    name: 'residual',
    input: [tensorValueInfo('x', FLOAT, ['batch', dim])],
    output: [tensorValueInfo('y', FLOAT, ['batch', dim])],
    initializer: [
      makeInitializer('W1', [dim, dim], randomFloat32(dim * dim, 1, 0.5)),
      makeInitializer('b1', [dim], randomFloat32(dim, 2, 0.5)),
      makeInitializer('W2', [dim, dim], randomFloat32(dim * dim, 3, 0.5)),
      makeInitializer('b2', [dim], randomFloat32(dim, 4, 0.5)),
      makeInitializer('gamma', [dim], randomFloat32(dim, 5)),
      makeInitializer('beta', [dim], randomFloat32(dim, 6)),
    ],
    node: [
      nodeProto({ opType: 'MatMul', name: 'fc1', input: ['x', 'W1'], output: ['fc1_out'] }),
      nodeProto({ opType: 'Add', name: 'fc1_bias', input: ['fc1_out', 'b1'], output: ['h'] }),
      nodeProto({ opType: 'MatMul', name: 'fc2', input: ['h', 'W2'], output: ['fc2_out'] }),
      nodeProto({ opType: 'Add', name: 'fc2_bias', input: ['fc2_out', 'b2'], output: ['logits'] }),
      nodeProto({ opType: 'Add', name: 'residual', input: ['logits', 'h'], output: ['sum'] }),
      nodeProto({
        opType: 'LayerNormalization',
        name: 'norm',
        input: ['sum', 'gamma', 'beta'],
        output: ['y'],
      }),
    ],
  });
  return modelProto({ irVersion: 8, opsetImport: [{ domain: '', version: 17 }], graph });
}

void describe('splitHead with a tail that reads the backbone', () => {
  void it('carries the residual from the backbone to the tail, bitwise equal', async () => {
    const model = residualBlock();
    const split = await splitHead(model, { name: 'residual', partitions: 3 });
    validatePlan(split.plan);
    assert.deepEqual(
      split.plan.stages.map((s) => [s.name, s.inputs.map((i) => i.name), s.outputs.map((o) => o.name)]),
      [
        ['backbone', ['x'], ['h']],
        ['head', ['h'], ['logits']],
        ['tail', ['logits', 'h'], ['y']],
      ],
    );
    const x = randomTensor('x', [4, 6], 8);
    const [expected] = await runModel(model, [x]);
    const [actual] = await runPartitioned(split, [x]);
    assert.ok(actual!.data.equals(expected!.data));
  });

  void it('serves a model output computed before the head from the backbone, with no tail', async () => {
    const model = mlp({ inputDim: 4, hiddenDim: 6, outputDim: 5, seed: 1 });
    model.graph.output.push(tensorValueInfo('hidden', FLOAT, ['batch', 6]));
    const split = await splitHead(model, { name: 'mlp', partitions: 2 });
    const plan = validatePlan(split.plan);
    assert.deepEqual(
      plan.stages.map((s) => [s.name, s.inputs.map((i) => i.name), s.outputs.map((o) => o.name)]),
      [
        ['backbone', ['x'], ['hidden']],
        ['head', ['hidden'], ['y']],
      ],
    );
    const x = randomTensor('x', [2, 4], 3);
    const expected = await runModel(model, [x]);
    const actual = await runPartitioned(split, [x]);
    actual.forEach((t, i) => assert.ok(t.data.equals(expected[i]!.data), t.name));
  });

  void it('has no backbone stage when the head reads a model input', async () => {
    const model = residualBlock();
    const split = await splitHead(model, { name: 'residual', partitions: 2, head: 'fc1' });
    assert.deepEqual(
      split.plan.stages.map((s) => [s.name, s.inputs.map((i) => i.name)]),
      [
        ['head', ['x']],
        ['tail', ['h']],
      ],
    );
    const x = randomTensor('x', [3, 6], 9);
    const [expected] = await runModel(model, [x]);
    const [actual] = await runPartitioned(split, [x]);
    assert.ok(actual!.data.equals(expected!.data));
  });

  void it('leaves the bias to the tail when the MatMul output is read elsewhere too', async () => {
    const model = residualBlock();
    model.graph.node[4] = nodeProto({
      opType: 'Add',
      name: 'residual',
      input: ['logits', 'fc2_out'],
      output: ['sum'],
    });
    const split = await splitHead(model, { name: 'residual', partitions: 2 });
    assert.deepEqual(
      split.plan.stages[1]!.outputs.map((o) => o.name),
      ['fc2_out'],
    );
    assert.deepEqual(
      split.plan.stages[2]!.inputs.map((i) => i.name),
      ['fc2_out'],
    );
    const x = randomTensor('x', [2, 6], 10);
    const [expected] = await runModel(model, [x]);
    const [actual] = await runPartitioned(split, [x]);
    assert.ok(actual!.data.equals(expected!.data));
  });
});
