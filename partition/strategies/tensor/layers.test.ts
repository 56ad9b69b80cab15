import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validatePlan } from '../../../lib/plan/validate.js';
import { ONNX_ELEM_TYPE } from '../../../lib/tensor/dtype.js';
import { graphProto, onnx, tensorValueInfo, toInt, type ModelProto } from '../../onnx/graph.js';
import { makeInitializer, weightBytes } from '../../onnx/weights.js';
import type { PartitionedModel } from '../../onnx/partitioned-model.js';
import { SplitError } from '../../split-error.js';
import { splitTensorParallel } from './tensor.js';
import {
  FLOAT,
  mlp,
  node,
  outer,
  randomFloat32,
  randomTensor,
  syntheticModel,
} from '../../models/synthetic.js';
import { relativeMaxError, runModel, runPartitioned } from '../../verify/verify.js';
import { weightShares } from './weight-shares.js';

const TOLERANCE = 1e-5;
const { INT } = onnx.AttributeProto.AttributeType;
const weight = (name: string, dims: number[], seed: number) =>
  makeInitializer(
    name,
    dims,
    randomFloat32(
      dims.reduce((a, b) => a * b, 1),
      seed,
      0.3,
    ),
  );

/** x [batch, 16] → Gemm(B [24, 16], transB) + C [24] → Relu → Gemm(B [24, 12]) + C [1, 12] → y [batch, 12]. */
function gemmMlp(): ModelProto {
  return syntheticModel(
    graphProto({
      name: 'gemm-mlp',
      input: [tensorValueInfo('x', FLOAT, ['batch', 16])],
      output: [tensorValueInfo('y', FLOAT, ['batch', 12])],
      initializer: [
        weight('B1', [24, 16], 1),
        weight('C1', [24], 2),
        weight('B2', [24, 12], 3),
        weight('C2', [1, 12], 4),
      ],
      node: [
        node('Gemm', 'up', ['x', 'B1', 'C1'], 'h', [{ name: 'transB', type: INT, i: 1 }]),
        node('Relu', 'act', ['h'], 'a'),
        node('Gemm', 'down', ['a', 'B2', 'C2'], 'y', [
          { name: 'alpha', type: onnx.AttributeProto.AttributeType.FLOAT, f: 0.5 },
        ]),
      ],
    }),
    13,
  );
}

/** The test of disjoint weights: the partitions sum to the original within 5%, none above 1/N + 5%. */
function assertDisjoint(model: ModelProto, split: PartitionedModel, n: number): void {
  const { partitions, sumRatio, maxShare } = weightShares(model, split);
  assert.equal(partitions.length, n);
  assert.ok(Math.abs(sumRatio - 1) <= 0.05 && maxShare <= 1 / n + 0.05, `${sumRatio}, ${maxShare}`);
}

async function run(model: ModelProto, partitions: number, shape: number[], name = 'x') {
  const split = await splitTensorParallel(model, { name: 'm', partitions });
  validatePlan(split.plan);
  const x = randomTensor(name, shape, 17);
  const [expected] = await runModel(model, [x]);
  const [actual] = await runPartitioned(split, [x]);
  assert.deepEqual(actual!.shape, expected!.shape);
  return { split, expected: expected!, actual: actual! };
}

void describe('splitTensorParallel: MLPs', () => {
  for (const partitions of [2, 3]) {
    void it(`splits a 3-block MLP block by block, ${partitions} ways, chained by name`, async () => {
      const model = mlp({
        inputDim: 16,
        hiddenDim: 96,
        outputDim: 24,
        seed: 2,
        blocks: 3,
        activation: 'Gelu',
      });
      const { split, expected, actual } = await run(model, partitions, [5, 16]);
      assert.ok(relativeMaxError(actual, expected) <= TOLERANCE);
      assert.deepEqual(
        split.plan.stages.map((s) => [s.inputs[0]!.name, s.outputs[0]!.name, s.outputs[0]!.gather.kind]),
        [
          ['x', 'block0.out', 'sum'],
          ['block0.out', 'block1.out', 'sum'],
          ['block1.out', 'y', 'sum'],
        ],
      );
      assertDisjoint(model, split, partitions);
    });
  }

  void it('splits a gated MLP (SiLU(x·Wg) * x·Wu → ·Wd): both gates by columns, summed', async () => {
    const model = syntheticModel(
      graphProto({
        name: 'swiglu',
        input: [tensorValueInfo('x', FLOAT, ['batch', 8])],
        output: [tensorValueInfo('y', FLOAT, ['batch', 8])],
        initializer: [weight('Wg', [8, 32], 1), weight('Wu', [8, 32], 2), weight('Wd', [32, 8], 3)],
        node: [
          node('MatMul', 'gate', ['x', 'Wg'], 'g'),
          node('MatMul', 'up', ['x', 'Wu'], 'u'),
          node('Sigmoid', 'sig', ['g'], 's'),
          node('Mul', 'silu', ['g', 's'], 'a'),
          node('Mul', 'gated', ['a', 'u'], 'h'),
          node('MatMul', 'down', ['h', 'Wd'], 'y'),
        ],
      }),
      13,
    );
    const { split, expected, actual } = await run(model, 4, [3, 8]);
    assert.ok(relativeMaxError(actual, expected) <= TOLERANCE);
    assert.equal(split.plan.stages.length, 1);
    assertDisjoint(model, split, 4);
  });

  void it('cuts by columns around an activation that mixes columns (Softmax), bitwise', async () => {
    const base = mlp({ inputDim: 8, hiddenDim: 32, outputDim: 6, seed: 4, weightsAs: 'constant' });
    const model = {
      ...base,
      graph: {
        ...base.graph,
        node: base.graph.node.map((n) => (n.name === 'act' ? { ...n, opType: 'Softmax' } : n)),
      },
    } as ModelProto;
    const { split, expected, actual } = await run(model, 2, [3, 8]);
    assert.deepEqual(
      split.plan.stages.map((s) => s.outputs[0]!.gather),
      [
        { kind: 'concat', axis: 1 },
        { kind: 'concat', axis: 1 },
      ],
    );
    assert.ok(actual.data.equals(expected.data));
  });
});

void describe('splitTensorParallel: column splits and Gemm', () => {
  void it('splits a Gemm whose output is the model output by columns, bitwise, transB and C sliced', async () => {
    const full = gemmMlp();
    const model = {
      ...full,
      graph: {
        ...full.graph,
        node: full.graph.node.slice(0, 1),
        output: [tensorValueInfo('h', FLOAT, ['batch', 24])],
      },
    } as ModelProto;
    const { split, expected, actual } = await run(model, 3, [4, 16]);
    assert.deepEqual(split.plan.stages[0]!.outputs, [{ name: 'h', gather: { kind: 'concat', axis: 1 } }]);
    assert.deepEqual(
      split.models[0]!.map((m) => m.graph.initializer.map((t) => t.dims.map(toInt))),
      [
        [[8, 16], [8]],
        [[8, 16], [8]],
        [[8, 16], [8]],
      ],
    );
    assert.ok(actual.data.equals(expected.data));
  });

  void it('splits Gemm → Relu → Gemm the Megatron way, alpha kept and C in partition 0 only', async () => {
    const model = gemmMlp();
    const { split, expected, actual } = await run(model, 2, [5, 16]);
    assert.ok(relativeMaxError(actual, expected) <= TOLERANCE);
    assert.deepEqual(
      split.models[0]!.map((m) => m.graph.node.find((n) => n.name === 'down')!.input),
      [
        ['a', 'B2', 'C2'],
        ['a', 'B2'],
      ],
    );
    assertDisjoint(model, split, 2);
  });

  void it('splits a MatMul by a Constant-node weight by columns, bitwise', async () => {
    const base = outer({ rows: 64, cols: 96, seed: 3 });
    const constant = node('Constant', 'b.const', [], 'b', [
      { name: 'value', type: onnx.AttributeProto.AttributeType.TENSOR, t: base.graph.initializer[0]! },
    ]);
    const model = {
      ...base,
      graph: { ...base.graph, initializer: [], node: [constant, ...base.graph.node] },
    } as ModelProto;
    const { split, expected, actual } = await run(model, 4, [64, 1], 'a');
    assert.ok(actual.data.equals(expected.data));
    assert.deepEqual(split.models[0]!.map(weightBytes), [96, 96, 96, 96]);
  });
});

void describe('splitTensorParallel: refusals', () => {
  const refuses = (model: ModelProto, node: string, reason: RegExp) =>
    assert.rejects(
      splitTensorParallel(model, { name: 'm', partitions: 2 }),
      (e: unknown) => e instanceof SplitError && e.node === node && reason.test(e.message),
    );

  void it('names a Conv or an embedding Gather before a linear layer: MatMul/Gemm weights only', async () => {
    const conv = syntheticModel(
      graphProto({
        name: 'conv',
        input: [tensorValueInfo('x', FLOAT, [1, 1, 6, 6])],
        output: [tensorValueInfo('y', FLOAT, [1, 8])],
        initializer: [weight('K', [2, 1, 3, 3], 1), weight('W', [32, 8], 2)],
        node: [
          node('Conv', 'foo', ['x', 'K'], 'c'),
          node('Flatten', 'flat', ['c'], 'f'),
          node('MatMul', 'fc', ['f', 'W'], 'y'),
        ],
      }),
      13,
    );
    await refuses(
      conv,
      'foo (Conv)',
      /reads the weight "K"; the tensor strategy splits MatMul\/Gemm weights only/,
    );
    const embed = syntheticModel(
      graphProto({
        name: 'embed',
        input: [tensorValueInfo('ids', ONNX_ELEM_TYPE.INT64, ['batch'])],
        output: [tensorValueInfo('y', FLOAT, ['batch', 4])],
        initializer: [weight('E', [10, 8], 1), weight('W', [8, 4], 2)],
        node: [node('Gather', 'embed', ['E', 'ids'], 'e'), node('MatMul', 'fc', ['e', 'W'], 'y')],
      }),
      13,
    );
    await refuses(embed, 'embed (Gather)', /MatMul\/Gemm weights only/);
  });

  void it('names the outputs of a model with two, and a graph with nothing to split', async () => {
    const base = mlp({ inputDim: 4, hiddenDim: 8, outputDim: 4, seed: 1 });
    const two = {
      ...base,
      graph: {
        ...base.graph,
        output: [...base.graph.output, tensorValueInfo('hidden', FLOAT, ['batch', 8])],
      },
    } as ModelProto;
    await refuses(two, 'y, hidden', /exactly one output/);
    const relu = syntheticModel(
      graphProto({
        name: 'relu',
        input: [tensorValueInfo('x', FLOAT, [2])],
        output: [tensorValueInfo('y', FLOAT, [2])],
        node: [node('Relu', 'r', ['x'], 'y')],
      }),
      13,
    );
    await refuses(relu, 'relu', /no MatMul or Gemm/);
  });
});
