import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeModel } from '../onnx/graph.js';
import { weightBytes } from '../onnx/weights.js';
import { MAX_SCALE_BYTES, scaleModel } from './synthetic-scale.js';
import { mlp, randomTensor } from './synthetic.js';
import { transformerBlock, transformerWeightBytes } from './synthetic-transformer.js';
import { runModel } from '../verify/verify.js';

const shape = { hidden: 32, heads: 4, ffnHidden: 64, seed: 3 };

void describe('transformerBlock', () => {
  void it('runs in ONNX Runtime: [batch, seq, hidden] in and out, any sequence length', async () => {
    const model = transformerBlock({ ...shape, layers: 2 });
    for (const seq of [1, 7]) {
      const [y] = await runModel(model, [randomTensor('x', [2, seq, 32], seq)]);
      assert.deepEqual(y!.shape, [2, seq, 32]);
      const values = new Float32Array(y!.data.buffer, y!.data.byteOffset, y!.data.length / 4);
      assert.ok(values.every(Number.isFinite));
      assert.ok(values.some((v) => Math.abs(v) > 0.1));
    }
  });

  void it('is seeded: the same options give the same bytes, another seed others', () => {
    const a = encodeModel(transformerBlock(shape));
    assert.deepEqual(encodeModel(transformerBlock(shape)), a);
    assert.notDeepEqual(encodeModel(transformerBlock({ ...shape, seed: 4 })), a);
  });

  void it('computes the same with weights as Constant nodes as with initializers', async () => {
    const asInitializers = transformerBlock({ ...shape, layers: 2 });
    const asConstants = transformerBlock({ ...shape, layers: 2, weightsAs: 'constant' });
    assert.equal(asConstants.graph.initializer.length, 0);
    assert.equal(weightBytes(asConstants), weightBytes(asInitializers));
    const x = randomTensor('x', [1, 5, 32], 9);
    const [a] = await runModel(asInitializers, [x]);
    const [b] = await runModel(asConstants, [x]);
    assert.ok(a!.data.equals(b!.data));
  });

  void it('holds the weights transformerWeightBytes says, plus the shape constants', () => {
    const options = { ...shape, layers: 3 };
    const shapes = 3 * (4 + 3) * 8;
    assert.equal(weightBytes(transformerBlock(options)), transformerWeightBytes(options) + shapes);
  });
});

void describe('mlp blocks', () => {
  void it('chains blocks, declaring the values between them, and keeps the one-block model as it was', async () => {
    const one = mlp({ inputDim: 8, hiddenDim: 16, outputDim: 4, seed: 1 });
    assert.deepEqual(
      one.graph.initializer.map((t) => t.name),
      ['W1', 'b1', 'W2', 'b2'],
    );
    const three = mlp({
      inputDim: 8,
      hiddenDim: 16,
      outputDim: 4,
      seed: 1,
      blocks: 3,
      weightsAs: 'constant',
    });
    assert.deepEqual(
      three.graph.valueInfo.map((v) => v.name),
      ['block0.out', 'block1.out'],
    );
    const [y] = await runModel(three, [randomTensor('x', [2, 8], 1)]);
    assert.deepEqual(y!.shape, [2, 4]);
  });
});

void describe('scaleModel', () => {
  void it('refuses a size one ONNX file cannot hold, before generating anything', () => {
    assert.throws(() => scaleModel({ targetBytes: MAX_SCALE_BYTES + 1 }), RangeError);
    assert.throws(() => scaleModel({ targetBytes: 2 ** 31, kind: 'mlp' }), /over the/);
  });
});
