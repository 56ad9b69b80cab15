import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { splitSizes } from '../../../lib/tensor/scatter.js';
import {
  graphProto,
  nodeProto,
  tensorValueInfo,
  toInt,
  withGraph,
  type ModelProto,
} from '../../onnx/graph.js';
import { int64Tensor } from '../../onnx/int64.js';
import type { PartitionedModel } from '../../onnx/partitioned-model.js';
import { SplitError } from '../../split-error.js';
import { splitTensorParallel } from './tensor.js';
import { FLOAT, randomTensor, type WeightsAs } from '../../models/synthetic.js';
import { transformerBlock } from '../../models/synthetic-transformer.js';
import { relativeMaxError, runModel, runPartitioned } from '../../verify/verify.js';
import { weightShares } from './weight-shares.js';

/* Summed stages add partial sums in another order than one MatMul does: a few float32 roundings
 * of the output's scale, far below 1e-5 of it (see mlp.test.ts). */
const TOLERANCE = 1e-5;
const HIDDEN = 64;

/** The test of disjoint weights: the partitions sum to the original within 5%, none above 1/N + 5%. */
function assertDisjoint(model: ModelProto, split: PartitionedModel, n: number): void {
  const shares = weightShares(model, split);
  assert.equal(shares.partitions.length, n);
  assert.ok(Math.abs(shares.sumRatio - 1) <= 0.05, `partitions hold ${shares.sumRatio} of the weights`);
  assert.ok(shares.maxShare <= 1 / n + 0.05, `a partition holds ${shares.maxShare} of the weights`);
}

async function assertMatches(model: ModelProto, split: PartitionedModel, shape: number[]): Promise<void> {
  const x = randomTensor('x', shape, shape.length * 31 + shape[1]!);
  const [expected] = await runModel(model, [x]);
  const [actual] = await runPartitioned(split, [x]);
  assert.deepEqual(actual!.shape, expected!.shape);
  const error = relativeMaxError(actual!, expected!);
  assert.ok(error <= TOLERANCE, `relative error ${error}`);
}

const dims = (model: ModelProto) =>
  Object.fromEntries(model.graph.initializer.map((t) => [t.name, t.dims.map(toInt)]));

void describe('splitTensorParallel: transformer blocks', () => {
  for (const weightsAs of ['initializer', 'constant'] as WeightsAs[]) {
    for (const layers of [1, 2]) {
      for (const partitions of [2, 4]) {
        void it(`${layers} layer(s), weights as ${weightsAs}s, ${partitions} ways: within ${TOLERANCE}, weights disjoint`, async () => {
          const model = transformerBlock({
            hidden: HIDDEN,
            heads: 4,
            ffnHidden: 128,
            seed: 5,
            layers,
            weightsAs,
          });
          const split = await splitTensorParallel(model, { name: 'tf', partitions });
          const kinds = Array.from({ length: layers }, (_, l) => [
            `attention-${2 * l}`,
            `mlp-${2 * l + 1}`,
          ]).flat();
          assert.deepEqual(
            split.plan.stages.map((s) => s.name),
            kinds,
          );
          assert.ok(split.plan.stages.every((s) => s.outputs[0]!.gather.kind === 'sum'));
          assert.ok(split.plan.stages.every((s) => s.partitions.length === partitions));
          await assertMatches(model, split, [2, 5, HIDDEN]);
          await assertMatches(model, split, [1, 1, HIDDEN]);
          assertDisjoint(model, split, partitions);
        });
      }
    }
  }

  void it('gives each partition its heads: Q/K/V columns, output rows, biases and residual in partition 0', async () => {
    const model = transformerBlock({
      hidden: HIDDEN,
      heads: 4,
      ffnHidden: 128,
      seed: 5,
      weightsAs: 'constant',
    });
    const split = await splitTensorParallel(model, { name: 'tf', partitions: 2 });
    const [p0, p1] = split.models[0]!.map(dims);
    for (const p of [p0!, p1!]) {
      assert.deepEqual([p['l0.Wq'], p['l0.bk'], p['l0.Wo']], [[64, 32], [32], [32, 64]]);
      assert.deepEqual(p['l0.heads_shape'], [4]);
    }
    assert.deepEqual([p0!['l0.bo'], p1!['l0.bo']], [[64], undefined]);
    const ops = (m: ModelProto) => m.graph.node.filter((n) => n.opType !== 'Constant').map((n) => n.name);
    assert.ok(ops(split.models[0]![0]!).includes('l0.attn_residual'));
    assert.ok(!ops(split.models[0]![1]!).includes('l0.attn_residual'));
    assert.deepEqual(split.plan.stages[1]!.inputs, [{ name: 'l0.attn_res', scatter: { kind: 'replicate' } }]);
    const constants = split.models.flat().flatMap((m) => m.graph.node.filter((n) => n.opType === 'Constant'));
    assert.ok(
      constants.every((n) => /ln\d\.(scale|bias)|scale/.test(n.output[0]!)),
      'only small constants stay nodes',
    );
  });

  void it('deals uneven head counts out as array_split does: 6 heads over 4 partitions', async () => {
    const model = transformerBlock({ hidden: 48, heads: 6, ffnHidden: 96, seed: 8 });
    const split = await splitTensorParallel(model, { name: 'tf', partitions: 4 });
    const heads = split.models[0]!.map((m) => m.graph.initializer.find((t) => t.name === 'l0.heads_shape')!);
    assert.deepEqual(
      heads.map((t) => t.int64Data.map(toInt)),
      splitSizes(6, 4).map((h) => [0, 0, h, 8]),
    );
    await assertMatches(model, split, [2, 3, 48]);
  });

  void it('keeps -1 in Reshape targets, for each partition to infer its own heads', async () => {
    const model = transformerBlock({ hidden: HIDDEN, heads: 4, ffnHidden: 128, seed: 6 });
    const targets: Record<string, number[]> = {
      'l0.heads_shape': [0, 0, -1, 16],
      'l0.merge_shape': [0, 0, -1],
    };
    const initializer = model.graph.initializer.map((t) =>
      targets[t.name] ? int64Tensor(t.name, targets[t.name]!) : t,
    );
    const inferred = withGraph(model, graphProto({ ...model.graph, initializer }));
    const split = await splitTensorParallel(inferred, { name: 'tf', partitions: 2 });
    const shapes = split.models[0]![1]!.graph.initializer.filter((t) => t.name in targets);
    assert.deepEqual(
      shapes.map((t) => t.int64Data.map(toInt)),
      Object.values(targets),
    );
    await assertMatches(inferred, split, [2, 3, HIDDEN]);
  });

  void it('refuses more partitions than heads, naming the first projection', async () => {
    const model = transformerBlock({ hidden: 32, heads: 4, ffnHidden: 64, seed: 1 });
    await assert.rejects(
      splitTensorParallel(model, { name: 'tf', partitions: 5 }),
      (e: unknown) =>
        e instanceof SplitError && e.node === 'l0.q_proj (MatMul)' && /4 heads into 5/.test(e.message),
    );
  });

  void it('refuses an attention mask added to the scores, naming the Add', async () => {
    const model = transformerBlock({ hidden: 32, heads: 4, ffnHidden: 64, seed: 1 });
    const mask = nodeProto({
      opType: 'Add',
      name: 'mask_add',
      input: ['l0.scaled', 'mask'],
      output: ['masked'],
    });
    const at = model.graph.node.findIndex((n) => n.opType === 'Softmax');
    const node = model.graph.node.map((n) => (n.opType === 'Softmax' ? { ...n, input: ['masked'] } : n));
    node.splice(at, 0, mask);
    const masked = withGraph(
      model,
      graphProto({
        ...model.graph,
        node,
        input: [...model.graph.input, tensorValueInfo('mask', FLOAT, [1, 1, 1, 'seq'])],
      }),
    );
    await assert.rejects(
      splitTensorParallel(masked, { name: 'tf', partitions: 2 }),
      (e: unknown) =>
        e instanceof SplitError &&
        e.node === 'mask_add (Add)' &&
        /"mask", which is not a scalar/.test(e.message),
    );
  });

  void it('refuses a block whose inner value is read after it, naming the reader', async () => {
    const model = transformerBlock({ hidden: 32, heads: 4, ffnHidden: 64, seed: 1 });
    const node = model.graph.node.map((n) =>
      n.name === 'l0.ffn_residual' ? nodeProto({ ...n, input: ['l0.ln1', n.input[1]!] }) : n,
    );
    const crossing = withGraph(model, graphProto({ ...model.graph, node }));
    await assert.rejects(
      splitTensorParallel(crossing, { name: 'tf', partitions: 2 }),
      (e: unknown) =>
        e instanceof SplitError && e.node === 'l0.ffn_residual (Add)' && /reads "l0.ln1"/.test(e.message),
    );
  });
});
