import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodeBytes, encodeBytes } from '../../lib/tensor/bytes.js';
import { elementCount, type Tensor } from '../../lib/tensor/tensor.js';
import { encodeModel, graphProto, onnx, tensorValueInfo, type ModelProto } from '../onnx/graph.js';
import { makeInitializer } from '../onnx/weights.js';
import { node, randomFloat32, syntheticModel } from '../models/synthetic.js';
import { simpleString } from '../models/simple-string.js';
import { runSplitCommand } from '../split.js';
import { runModel, runPartitioned } from '../verify/verify.js';
import { splitBatch } from './batch/batch.js';
import { splitHead } from './head/head.js';

const STRING = onnx.TensorProto.DataType.STRING;
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT = onnx.AttributeProto.AttributeType.INT;

const text = (t: Tensor): string[] => decodeBytes(t.data, elementCount(t.shape)).map((b) => b.toString());

function bytesInput(name: string, rows: number, width: number, seed: number): Tensor {
  const values = Array.from({ length: rows * width }, (_, i) => String(((i * 7919 + seed) % 2001) - 1000));
  return { name, datatype: 'BYTES', shape: [rows, width], data: encodeBytes(values) };
}

/**
 * A classifier over text features: `text` (BYTES [batch, 16], decimal numbers) cast to FP32, a
 * dense head of 6 classes, and a tail that prints the logits back as strings (a BYTES output).
 */
function textClassifier(): ModelProto {
  const graph = graphProto({
    name: 'text-classifier',
    input: [tensorValueInfo('text', STRING, ['batch', 16])],
    output: [tensorValueInfo('printed', STRING, ['batch', 6]), tensorValueInfo('probs', FLOAT, ['batch', 6])],
    initializer: [makeInitializer('W', [16, 6], randomFloat32(96, 5, 0.01))],
    node: [
      node('Cast', 'parse', ['text'], 'features', [{ name: 'to', type: INT, i: FLOAT }]),
      node('MatMul', 'head', ['features', 'W'], 'logits'),
      node('Softmax', 'softmax', ['logits'], 'probs', [{ name: 'axis', type: INT, i: -1 }]),
      node('Cast', 'print', ['logits'], 'printed', [{ name: 'to', type: INT, i: STRING }]),
    ],
  });
  return syntheticModel(graph, 13);
}

void describe('strategies on models with BYTES (ONNX string) tensors', () => {
  void it('batch: rows of whole elements per partition; outputs bitwise equal to the unsplit model', async () => {
    const model = simpleString();
    for (const [partitions, rows] of [
      [2, 5],
      [3, 3],
      [2, 1],
    ] as const) {
      const split = splitBatch(model, { name: 'simple_string', partitions });
      assert.deepEqual(
        split.plan.inputs.map((i) => [i.name, i.datatype]),
        [
          ['INPUT0', 'BYTES'],
          ['INPUT1', 'BYTES'],
        ],
      );
      const inputs = [bytesInput('INPUT0', rows, 16, 1), bytesInput('INPUT1', rows, 16, 2)];
      const expected = await runModel(model, inputs);
      const actual = await runPartitioned(split, inputs);
      const why = `${partitions} partitions, ${rows} rows`;
      assert.deepEqual(
        actual.map((t) => [t.name, t.datatype, t.shape]),
        [
          ['OUTPUT0', 'BYTES', [rows, 16]],
          ['OUTPUT1', 'BYTES', [rows, 16]],
        ],
        why,
      );
      actual.forEach((t, i) => assert.ok(t.data.equals(expected[i]!.data), `${why}: ${t.name}`));
      const a = text(inputs[0]!).map(Number);
      const b = text(inputs[1]!).map(Number);
      assert.deepEqual(
        text(actual[0]!),
        a.map((x, i) => String(x + b[i]!)),
        why,
      );
      assert.deepEqual(
        text(actual[1]!),
        a.map((x, i) => String(x - b[i]!)),
        why,
      );
    }
  });

  void it('head: the string input stays in the backbone, a BYTES output in the tail; outputs equal to the unsplit model', async () => {
    const model = textClassifier();
    const split = await splitHead(model, { name: 'text', partitions: 3 });
    assert.deepEqual(
      split.plan.stages.map((s) => [s.name, s.partitions.length]),
      [
        ['backbone', 1],
        ['head', 3],
        ['tail', 1],
      ],
    );
    assert.deepEqual(split.plan.inputs, [{ name: 'text', datatype: 'BYTES', shape: [-1, 16] }]);
    assert.deepEqual(
      split.plan.outputs.map((o) => [o.name, o.datatype]),
      [
        ['printed', 'BYTES'],
        ['probs', 'FP32'],
      ],
    );
    const inputs = [bytesInput('text', 4, 16, 3)];
    const expected = await runModel(model, inputs);
    const actual = await runPartitioned(split, inputs);
    actual.forEach((t, i) => {
      assert.deepEqual(t.shape, [4, 6], t.name);
      assert.ok(t.data.equals(expected[i]!.data), t.name);
    });
    assert.equal(text(actual[0]!).length, 24);
  });

  void describe('shardmesh split', () => {
    let work: string;
    before(async () => {
      work = await mkdtemp(path.join(tmpdir(), 'shardmesh-bytes-split-'));
      await writeFile(path.join(work, 'simple_string.onnx'), encodeModel(simpleString()));
    });
    after(() => rm(work, { recursive: true, force: true }));

    void it('--strategy batch --verify on a model with BYTES inputs writes a plan and verifies bitwise', async () => {
      const result = await runSplitCommand({
        model: path.join(work, 'simple_string.onnx'),
        out: path.join(work, 'models', 'simple_string', '1'),
        strategy: 'batch',
        partitions: 2,
        verify: true,
      });
      assert.equal(result.error, undefined);
      assert.equal(result.exitCode, 0);
      assert.deepEqual(
        result.verification!.outputs.map((o) => [o.name, o.bitwise, o.ok]),
        [
          ['OUTPUT0', true, true],
          ['OUTPUT1', true, true],
        ],
      );
    });

    void it('--strategy pipeline and auto on the same model verify bitwise too', async () => {
      for (const strategy of ['pipeline', 'auto'] as const) {
        const result = await runSplitCommand({
          model: path.join(work, 'simple_string.onnx'),
          out: path.join(work, strategy, 'simple_string', '1'),
          strategy,
          partitions: 2,
          verify: true,
        });
        assert.equal(result.error, undefined, strategy);
        assert.deepEqual(
          result.verification!.outputs.map((o) => o.bitwise),
          [true, true],
          strategy,
        );
      }
    });

    void it('an element type still not served is refused naming the tensor and the type', async () => {
      const bf16 = simpleString();
      bf16.graph.input[1] = tensorValueInfo('INPUT1', onnx.TensorProto.DataType.BFLOAT16, ['batch', 16]);
      await writeFile(path.join(work, 'bf16.onnx'), encodeModel(bf16));
      const result = await runSplitCommand({
        model: path.join(work, 'bf16.onnx'),
        out: path.join(work, 'models', 'bf16', '1'),
        strategy: 'batch',
        partitions: 2,
      });
      assert.equal(result.exitCode, 2);
      assert.match(
        result.error ?? '',
        /^INPUT1: model input or output: ONNX element type 16 \(BFLOAT16\) is not served; served: .*BYTES/,
      );
    });
  });
});
