import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ocrRecognitionModelPath } from '../models/demo-models.js';
import { encodeModel, extractSubgraph, loadModel, onnx, producerOf, toInt, valueDims } from './graph.js';
import { makeInitializer, readWeight, sliceColumns, sliceRows, weightBytes } from './weights.js';
import { SplitError } from '../split-error.js';
import { mlp, randomFloat32, randomTensor } from '../models/synthetic.js';
import { inferValueTypes } from './value-types.js';
import { runModel } from '../verify/verify.js';

const FEATURES = 'transpose_51.tmp_0';

void describe('onnx weights', () => {
  void it('reads a weight stored as a Constant node (PP-OCRv4 rec head)', async () => {
    const model = await loadModel(ocrRecognitionModelPath());
    const w = readWeight(model.graph, 'linear_85.w_0', 'test');
    assert.deepEqual(w.dims, [120, 6625]);
    const raw = producerOf(model.graph, 'linear_85.w_0')!.attribute[0]!.t!.rawData!;
    assert.equal(w.data[0], Buffer.from(raw).readFloatLE(0));
    assert.equal(w.data[6625 * 120 - 1], Buffer.from(raw).readFloatLE(raw.length - 4));
  });

  void it('reads initializers in raw_data and in float_data', () => {
    const model = mlp({ inputDim: 3, hiddenDim: 4, outputDim: 2, seed: 5 });
    assert.deepEqual(readWeight(model.graph, 'W1', 'test').data, randomFloat32(12, 5, 1 / Math.sqrt(3)));
    const graph = {
      ...model.graph,
      initializer: [onnx.TensorProto.create({ name: 'f', dims: [2], dataType: 1, floatData: [1.5, -2] })],
    };
    assert.deepEqual([...readWeight(graph, 'f', 'test').data], [1.5, -2]);
    assert.throws(
      () => readWeight(model.graph, 'x', 'node fc1'),
      (e: unknown) => e instanceof SplitError && /node fc1.*not a constant/.test(e.message),
    );
  });

  void it('slices columns and rows of a 2-D weight and elements of a 1-D one', () => {
    const w = { name: 'w', dims: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) };
    assert.deepEqual(sliceColumns(w, 1, 2), {
      name: 'w',
      dims: [2, 2],
      data: Float32Array.from([2, 3, 5, 6]),
    });
    assert.deepEqual(sliceRows(w, 1, 1), { name: 'w', dims: [1, 3], data: Float32Array.from([4, 5, 6]) });
    const b = { name: 'b', dims: [3], data: Float32Array.from([7, 8, 9]) };
    assert.deepEqual(sliceColumns(b, 2, 1), { name: 'b', dims: [1], data: Float32Array.from([9]) });
  });

  void it('counts initializer and Constant node bytes', async () => {
    const init = makeInitializer('w', [4, 8], new Float32Array(32));
    assert.equal(toInt(init.dims[0]), 4);
    assert.equal(
      weightBytes(mlp({ inputDim: 64, hiddenDim: 256, outputDim: 32, seed: 1 })),
      4 * (64 * 256 + 256 + 256 * 32 + 32),
    );
    const ocr = await loadModel(ocrRecognitionModelPath());
    assert.ok(weightBytes(ocr) > 10_000_000);
  });
});

void describe('extractSubgraph', () => {
  void it('cuts the PP-OCRv4 backbone, typed, with only the constants it uses, computing the same features', async () => {
    const model = await loadModel(ocrRecognitionModelPath());
    const types = await inferValueTypes(model, [FEATURES]);
    const backbone = extractSubgraph(model, { inputs: ['x'], outputs: [FEATURES], types });
    assert.equal(toInt(backbone.irVersion), toInt(model.irVersion));
    assert.deepEqual(
      backbone.opsetImport.map((o) => toInt(o.version)),
      [9],
    );
    assert.equal(backbone.graph.node.length, model.graph.node.length - 5); // Constant w, Constant b, MatMul, Add, Softmax
    assert.ok(!backbone.graph.node.some((n) => n.output.includes('linear_85.w_0')));
    assert.deepEqual(valueDims(backbone.graph.output[0]!), ['p2o.DynamicDimension.0', null, 120]);
    assert.deepEqual(valueDims(backbone.graph.input[0]!), [
      'p2o.DynamicDimension.0',
      3,
      48,
      'p2o.DynamicDimension.1',
    ]);

    const probe = {
      ...model,
      graph: { ...model.graph, output: [...model.graph.output, types.get(FEATURES)!] },
    };
    const x = randomTensor('x', [1, 3, 48, 160], 3);
    const [, expected] = await runModel(encodeModel(onnx.ModelProto.create(probe)), [x]);
    const [features] = await runModel(backbone, [x]);
    assert.equal(features!.name, FEATURES);
    assert.deepEqual(features!.shape, [1, 20, 120]);
    assert.ok(features!.data.equals(expected!.data));
  });

  void it('names the node whose input cannot be reached from the given inputs', () => {
    const model = mlp({ inputDim: 3, hiddenDim: 4, outputDim: 2, seed: 5 });
    assert.throws(
      () => extractSubgraph(model, { inputs: ['hidden'], outputs: ['fc1_out', 'y'] }),
      (e: unknown) => e instanceof SplitError && e.node === 'fc1 (MatMul)' && /"x"/.test(e.message),
    );
  });
});
