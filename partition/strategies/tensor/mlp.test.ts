import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { splitSizes } from '../../../lib/tensor/scatter.js';
import { graphProto, valueDims, withGraph } from '../../onnx/graph.js';
import { weightBytes } from '../../onnx/weights.js';
import { SplitError } from '../../split-error.js';
import { splitTensorParallel } from './tensor.js';
import { mlp, outer, randomTensor } from '../../models/synthetic.js';
import { relativeMaxError, runModel, runPartitioned } from '../../verify/verify.js';

/*
 * Tolerance of the tensor-parallel sum: relativeMaxError (max |a - b| / max |b|) below 1e-5. The
 * split computes the same products but adds the hidden units' contributions in two groups, so
 * results differ by a few float32 roundings of the output's scale (eps = 1.2e-7); a per-element
 * relative error would be unbounded for outputs that cancel to near zero.
 */
const TOLERANCE = 1e-5;

void describe('splitTensorParallel on one MLP block (Megatron tensor parallelism)', () => {
  const model = mlp({ inputDim: 64, hiddenDim: 256, outputDim: 32, seed: 7 });

  for (const partitions of [2, 3]) {
    void it(`matches the unsplit MLP within ${TOLERANCE} relative, ${partitions} ways`, async () => {
      const split = await splitTensorParallel(model, { name: 'mlp', partitions });
      for (const batch of [1, 5]) {
        const x = randomTensor('x', [batch, 64], 100 + batch);
        const [expected] = await runModel(model, [x]);
        const [actual] = await runPartitioned(split, [x]);
        assert.deepEqual(actual!.shape, [batch, 32]);
        const error = relativeMaxError(actual!, expected!);
        assert.ok(error <= TOLERANCE, `relative error ${error}`);
        assert.ok(!actual!.data.equals(Buffer.alloc(actual!.data.length)));
      }
    });
  }

  void it('writes a one-stage plan: x replicated, y summed', async () => {
    const { plan, models } = await splitTensorParallel(model, { name: 'mlp', version: '3', partitions: 2 });
    assert.equal(plan.version, '3');
    assert.deepEqual(plan.inputs, [{ name: 'x', datatype: 'FP32', shape: [-1, 64] }]);
    assert.deepEqual(plan.outputs, [{ name: 'y', datatype: 'FP32', shape: [-1, 32] }]);
    assert.equal(plan.stages.length, 1);
    assert.deepEqual(plan.stages[0]!.inputs, [{ name: 'x', scatter: { kind: 'replicate' } }]);
    assert.deepEqual(plan.stages[0]!.outputs, [{ name: 'y', gather: { kind: 'sum' } }]);
    assert.deepEqual(
      plan.stages[0]!.partitions.map((p) => p.file),
      ['stage-mlp-0-part-0.onnx', 'stage-mlp-0-part-1.onnx'],
    );
    assert.deepEqual(
      plan.stages[0]!.partitions.map((p) => p.weightBytes),
      models[0]!.map(weightBytes),
    );
  });

  void it('gives partitions disjoint weights, b2 in partition 0 only, sliced as the router splits', async () => {
    const partitions = 3;
    const { models } = await splitTensorParallel(model, { name: 'mlp', partitions });
    const total = weightBytes(model);
    const bytes = models[0]!.map(weightBytes);
    const sum = bytes.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - total) <= 0.05 * total, `${sum} bytes in partitions, ${total} unsplit`);
    for (const b of bytes) assert.ok(b <= total * (1 / partitions + 0.05), `${b} of ${total}`);
    const hidden = splitSizes(256, partitions);
    models[0]!.forEach((m, p) => {
      const dims = Object.fromEntries(m.graph.initializer.map((t) => [t.name, t.dims.map(Number)]));
      assert.deepEqual(dims.W1, [64, hidden[p]]);
      assert.deepEqual(dims.b1, [hidden[p]]);
      assert.deepEqual(dims.W2, [hidden[p], 32]);
      assert.deepEqual(dims.b2, p === 0 ? [32] : undefined);
    });
  });

  void it('refuses more partitions than the block has hidden units, naming the layer', async () => {
    await assert.rejects(
      splitTensorParallel(model, { name: 'bad', partitions: 300 }),
      (e: unknown) => e instanceof SplitError && /fc1/.test(e.message),
    );
  });
});

void describe('splitTensorParallel on a single dense layer (columns, concat)', () => {
  void it('splits the outer-product model by columns; concat on axis 1 is bitwise equal', async () => {
    const model = outer({ rows: 4096, cols: 4096, seed: 11 });
    const split = await splitTensorParallel(model, { name: 'outer', partitions: 2 });
    assert.deepEqual(split.plan.stages[0]!.outputs, [{ name: 'y', gather: { kind: 'concat', axis: 1 } }]);
    assert.deepEqual(
      split.models[0]!.map((m) => valueDims(m.graph.output[0]!)),
      [
        [4096, 2048],
        [4096, 2048],
      ],
    );
    const a = randomTensor('a', [4096, 1], 12);
    const [expected] = await runModel(model, [a]);
    const [actual] = await runPartitioned(split, [a]);
    assert.equal(actual!.data.length, 64 * 1024 * 1024);
    assert.ok(actual!.data.equals(expected!.data));
  });

  void it('splits a MatMul + Add into uneven column groups, bitwise equal', async () => {
    const model = mlp({ inputDim: 8, hiddenDim: 8, outputDim: 7, seed: 3 });
    const last = withGraph(
      model,
      graphProto({
        ...model.graph,
        input: [{ ...model.graph.input[0]!, name: 'hidden' } as never],
        node: model.graph.node.slice(3),
        initializer: model.graph.initializer.slice(2),
      }),
    );
    const split = await splitTensorParallel(last, { name: 'dense', partitions: 3 });
    assert.deepEqual(
      split.models[0]!.map((m) => m.graph.initializer.map((t) => t.dims.map(Number))),
      [
        [[8, 3], [3]],
        [[8, 2], [2]],
        [[8, 2], [2]],
      ],
    );
    const hidden = randomTensor('hidden', [4, 8], 9);
    const [expected] = await runModel(last, [hidden]);
    const [actual] = await runPartitioned(split, [hidden]);
    assert.ok(actual!.data.equals(expected!.data));
  });
});
