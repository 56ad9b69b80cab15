import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { ocrRecognitionModelPath } from '../../models/demo-models.js';
import {
  graphProto,
  loadModel,
  modelProto,
  nodeProto,
  onnx,
  tensorValueInfo,
  type AttributeProto,
  type ModelProto,
  type NodeProto,
  type TensorProto,
} from '../../onnx/graph.js';
import { makeInitializer, weightBytes } from '../../onnx/weights.js';
import type { PartitionedModel } from '../../onnx/partitioned-model.js';
import { pipelineSchedule } from './schedule.js';
import { SplitError, SplitOptionError } from '../../split-error.js';
import { splitPipeline } from './pipeline.js';
import { randomFloat32, randomTensor } from '../../models/synthetic.js';
import { runModel, runPartitioned } from '../../verify/verify.js';

const FLOAT = onnx.TensorProto.DataType.FLOAT;

function model(nodes: NodeProto[], initializer: TensorProto[], outputs: [string, number][]): ModelProto {
  const graph = graphProto({
    name: 'test',
    input: [tensorValueInfo('x', FLOAT, ['batch', 8])],
    output: outputs.map(([name, width]) => tensorValueInfo(name, FLOAT, ['batch', width])),
    initializer,
    node: nodes,
  });
  return modelProto({ irVersion: 8, opsetImport: [{ domain: '', version: 13 }], graph });
}

const node = (opType: string, input: string[], output: string, attribute: AttributeProto[] = []): NodeProto =>
  nodeProto({ opType, name: output, input, output: [output], attribute });
const weight = (name: string, dims: number[], seed: number): TensorProto =>
  makeInitializer(name, dims, randomFloat32(dims[0]! * (dims[1] ?? 1), seed, 1 / Math.sqrt(dims[0]!)));

/** `layers` dense layers of `width` (MatMul, bias Add, Relu but after the last): `x` [batch, 8] → `y`. */
function deepMlp(layers: number, width: number, seed: number): ModelProto {
  const nodes: NodeProto[] = [];
  const inits: TensorProto[] = [];
  let value = 'x';
  for (let l = 0; l < layers; l++) {
    const fanIn = l === 0 ? 8 : width;
    inits.push(weight(`W${l}`, [fanIn, width], seed + 2 * l), weight(`b${l}`, [width], seed + 2 * l + 1));
    nodes.push(node('MatMul', [value, `W${l}`], `mm${l}`));
    const out = l === layers - 1 ? 'y' : `h${l}`;
    nodes.push(node('Add', [`mm${l}`, `b${l}`], l === layers - 1 ? out : `pre${l}`));
    if (l < layers - 1) nodes.push(node('Relu', [`pre${l}`], out));
    value = out;
  }
  return model(nodes, inits, [['y', width]]);
}

async function assertEqualToUnsplit(original: ModelProto, split: PartitionedModel, shape: number[]) {
  const x = randomTensor('x', shape, 77);
  const expected = await runModel(original, [x]);
  const actual = await runPartitioned(split, [x]);
  assert.equal(actual.length, expected.length);
  actual.forEach((tensor, i) => {
    assert.deepEqual(tensor.shape, expected[i]!.shape);
    assert.ok(tensor.data.equals(expected[i]!.data), `${tensor.name} differs from the unsplit model`);
  });
}

const stageBytes = (split: PartitionedModel) => split.plan.stages.map((s) => s.partitions[0]!.weightBytes!);

void describe('splitPipeline on a synthetic 12-layer MLP', () => {
  const original = deepMlp(12, 64, 1);
  const total = weightBytes(original);

  for (const n of [2, 3, 4, 6]) {
    void it(`balances weight bytes over ${n} stages, one tensor between each, bitwise equal`, async () => {
      const split = await splitPipeline(original, { name: 'deep', partitions: n });
      const bytes = stageBytes(split);
      const sum = bytes.reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(sum - total) <= 0.05 * total, `stages hold ${sum} bytes of ${total}`);
      for (const b of bytes)
        assert.ok(b <= (1 / n + 0.05) * total, `a stage holds ${b} of ${total}: ${bytes}`);
      split.plan.stages.forEach((stage, k) => {
        assert.equal(stage.name, String(k));
        assert.deepEqual(stage.partitions[0]!.file, `stage-${k}-part-0.onnx`);
        assert.equal(stage.inputs.length, 1);
        assert.equal(stage.outputs.length, 1);
        if (k > 0) assert.equal(stage.inputs[0]!.name, split.plan.stages[k - 1]!.outputs[0]!.name);
      });
      assert.equal(split.plan.stages.at(-1)!.outputs[0]!.name, 'y');
      await assertEqualToUnsplit(original, split, [3, 8]);
    });
  }

  void it('cuts after the activation, so a layer keeps its bias and Relu', async () => {
    const split = await splitPipeline(original, { name: 'deep', partitions: 4 });
    const cuts = split.plan.stages.slice(0, -1).map((s) => s.outputs[0]!.name);
    assert.equal(cuts.length, 3);
    for (const cut of cuts) assert.match(cut, /^h\d+$/);
  });

  void it('cuts at the tensors the user names, and checks them', async () => {
    const split = await splitPipeline(original, { name: 'deep', cuts: ['h0', 'pre6'] });
    assert.deepEqual(
      split.plan.stages.map((s) => [s.inputs.map((i) => i.name), s.outputs.map((o) => o.name)]),
      [
        [['x'], ['h0']],
        [['h0'], ['pre6']],
        [['pre6'], ['y']],
      ],
    );
    await assertEqualToUnsplit(original, split, [2, 8]);
    await assert.rejects(
      splitPipeline(original, { name: 'd', cuts: ['h0'], partitions: 3 }),
      (e: unknown) => e instanceof SplitOptionError && e.option === 'partitions',
    );
    await assert.rejects(
      splitPipeline(original, { name: 'd', cuts: ['nope'] }),
      (e: unknown) => e instanceof SplitError && e.node === 'nope',
    );
    await assert.rejects(
      splitPipeline(original, { name: 'd', cuts: ['h5', 'h2'] }),
      (e: unknown) => e instanceof SplitError && e.node === 'h2' && /list cuts in order/.test(e.message),
    );
    await assert.rejects(
      splitPipeline(original, { name: 'd', cuts: ['y'] }),
      (e: unknown) => e instanceof SplitError && /no nodes for the last stage/.test(e.message),
    );
    await assert.rejects(
      splitPipeline(original, { name: 'd', partitions: 100 }),
      (e: unknown) => e instanceof SplitError && /use fewer partitions/.test(e.message),
    );
  });
});

void describe('splitPipeline boundaries', () => {
  void it('passes every live tensor, lets a later stage read model inputs, returns early outputs', async () => {
    // h = x W0; z = Relu(h) is a model output; y = (h W1) + x: x and h both reach the last stage.
    const original = model(
      [
        node('MatMul', ['x', 'W0'], 'h'),
        node('Relu', ['h'], 'z'),
        node('MatMul', ['h', 'W1'], 'g'),
        node('Add', ['g', 'x'], 'y'),
      ],
      [weight('W0', [8, 8], 1), weight('W1', [8, 8], 2)],
      [
        ['y', 8],
        ['z', 8],
      ],
    );
    const split = await splitPipeline(original, { name: 'skip', cuts: ['z'] });
    assert.deepEqual(
      split.plan.stages.map((s) => [s.inputs.map((i) => i.name), s.outputs.map((o) => o.name)]),
      [
        [['x'], ['h', 'z']],
        [['x', 'h'], ['y']],
      ],
    );
    assert.deepEqual(
      split.plan.outputs.map((o) => o.name),
      ['y', 'z'],
    );
    await assertEqualToUnsplit(original, split, [2, 8]);
  });

  void it('never lets a scalar cross (a one-partition stage gathers with concat, which needs an axis)', async () => {
    // The balance target lies after `s` = ReduceSum(h) (a scalar) as much as after `h`: the cut
    // after `s` is refused and the one after `h` taken.
    const original = model(
      [
        node('MatMul', ['x', 'W1'], 'h'),
        node('ReduceSum', ['h'], 's', [
          onnx.AttributeProto.create({ name: 'keepdims', type: 2, i: 0 }) as AttributeProto,
        ]),
        node('Mul', ['s', 'C'], 'sc'),
        node('Mul', ['x', 'sc'], 'xs'),
        node('MatMul', ['xs', 'W2'], 'y'),
      ],
      [weight('W1', [8, 16], 1), weight('C', [8], 2), weight('W2', [8, 15], 3)],
      [['y', 15]],
    );
    assert.deepEqual(pipelineSchedule(original.graph).crossingCounts, [1, 1, 1, 1]);
    const split = await splitPipeline(original, { name: 'scalar', partitions: 2 });
    assert.deepEqual(
      split.plan.stages.map((s) => s.outputs.map((o) => o.name)),
      [['h'], ['y']],
    );
    await assertEqualToUnsplit(original, split, [2, 8]);
    await assert.rejects(
      splitPipeline(original, { name: 'scalar', cuts: ['s'] }),
      (e: unknown) => e instanceof SplitError && e.node === 's' && /scalar/.test(e.message),
    );
  });
});

void describe('splitPipeline beside an uncuttable giant', () => {
  void it('gives an embedding table its own stage and balances the layers after it', async () => {
    // ids → Gather(E [2000, 16]) → six 16 × 16 layers: E holds 95% of the weights.
    const nodes = [nodeProto({ opType: 'Gather', name: 'embed', input: ['E', 'ids'], output: ['h'] })];
    const inits = [weight('E', [2000, 16], 1)];
    let value = 'h';
    for (let l = 0; l < 6; l++) {
      inits.push(weight(`W${l}`, [16, 16], 10 + l));
      nodes.push(
        node('MatMul', [value, `W${l}`], `mm${l}`),
        node('Relu', [`mm${l}`], l === 5 ? 'y' : `r${l}`),
      );
      value = `r${l}`;
    }
    const original = modelProto({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 13 }],
      graph: graphProto({
        name: 'embedding',
        input: [tensorValueInfo('ids', onnx.TensorProto.DataType.INT64, ['batch'])],
        output: [tensorValueInfo('y', FLOAT, ['batch', 16])],
        initializer: inits,
        node: nodes,
      }),
    });
    const split = await splitPipeline(original, { name: 'embedding', partitions: 4 });
    assert.deepEqual(stageBytes(split), [2000 * 16 * 4, 2 * 1024, 2 * 1024, 2 * 1024]);
    const ids = {
      name: 'ids',
      datatype: 'INT64' as const,
      shape: [3],
      data: Buffer.from(BigInt64Array.from([0n, 7n, 1999n]).buffer),
    };
    const [expected] = await runModel(original, [ids]);
    const [actual] = await runPartitioned(split, [ids]);
    assert.ok(actual!.data.equals(expected!.data));
  });
});

void describe('splitPipeline on PP-OCRv4 text recognition (weights in Constant nodes, opset 9)', () => {
  let ocr: ModelProto;
  before(async () => {
    ocr = await loadModel(ocrRecognitionModelPath());
  });

  for (const n of [2, 3]) {
    void it(`cuts ${n} stages passing one tensor each, weights divided, bitwise equal`, async () => {
      const split = await splitPipeline(ocr, { name: 'ocr-rec', partitions: n });
      const total = weightBytes(ocr);
      const bytes = stageBytes(split);
      assert.equal(
        bytes.reduce((a, b) => a + b, 0),
        total,
      );
      // The 3.2 MB classifier cannot be cut, so the last stage may hold a little more than its share.
      for (const b of bytes) assert.ok(b <= (1 / n + 0.05) * total, `stage bytes ${bytes}`);
      for (const stage of split.plan.stages.slice(1)) assert.equal(stage.inputs.length, 1);
      assert.deepEqual(split.plan.inputs, [{ name: 'x', datatype: 'FP32', shape: [-1, 3, 48, -1] }]);
      await assertEqualToUnsplit(ocr, split, [1, 3, 48, 320]);
      await assertEqualToUnsplit(ocr, split, [2, 3, 48, 96]);
    });
  }

  void it('cuts where the user says: before the classifier head', async () => {
    const split = await splitPipeline(ocr, { name: 'ocr-rec', cuts: ['transpose_51.tmp_0'] });
    assert.deepEqual(split.plan.stages[1]!.inputs, [
      { name: 'transpose_51.tmp_0', scatter: { kind: 'replicate' } },
    ]);
    assert.ok(stageBytes(split)[1]! > 120 * 6625 * 4);
    await assertEqualToUnsplit(ocr, split, [1, 3, 48, 160]);
  });
});
