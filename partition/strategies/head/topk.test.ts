import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { validatePlan } from '../../../lib/plan/validate.js';
import type { Tensor } from '../../../lib/tensor/tensor.js';
import { ocrRecognitionModelPath } from '../../models/demo-models.js';
import {
  extractSubgraph,
  graphProto,
  loadModel,
  modelProto,
  nodeProto,
  tensorValueInfo,
  type ModelProto,
} from '../../onnx/graph.js';
import { makeInitializer } from '../../onnx/weights.js';
import { SplitOptionError } from '../../split-error.js';
import { findHead, splitHead } from './head.js';
import { referenceTopk, topkNodes, topkOutputNames, unsplitTopkModel } from './topk.js';
import { mulberry32, randomTensor } from '../../models/synthetic.js';
import { inferValueTypes } from '../../onnx/value-types.js';
import { runModel, runPartitioned } from '../../verify/verify.js';

/*
 * A top-k head split returns exactly the global top-k of the unsplit model's logits: the same
 * value bits, the same indices, ties to the lower index. The reference is the unsplit graph cut at
 * the head's output, run whole, and its top-k taken in plain JS (referenceTopk), and also the same
 * graph with ONNX Runtime's TopK appended.
 */

/** The unsplit model up to the head's output: its logits. */
async function unsplitLogits(model: ModelProto, logits: string, inputs: readonly Tensor[]): Promise<Tensor> {
  const inputNames = model.graph.input.map((i) => i.name);
  const types = await inferValueTypes(model, [logits]);
  const upToHead = extractSubgraph(model, { inputs: inputNames, outputs: [logits], types });
  const [out] = await runModel(upToHead, inputs);
  return out!;
}

/** The unsplit model up to the head's output, then ONNX Runtime's TopK. */
async function unsplitOrtTopk(
  model: ModelProto,
  logits: string,
  k: number,
  inputs: readonly Tensor[],
): Promise<Tensor[]> {
  return runModel(await unsplitTopkModel(model, logits, k), inputs);
}

function assertBitwise(actual: Tensor, expected: Tensor, what: string): void {
  assert.equal(actual.name, expected.name, what);
  assert.equal(actual.datatype, expected.datatype, what);
  assert.deepEqual(actual.shape, expected.shape, what);
  assert.ok(actual.data.equals(expected.data), `${what}: ${actual.name} differs from the reference`);
}

const indicesOf = (t: Tensor): number[] => [...new BigInt64Array(new Uint8Array(t.data).buffer)].map(Number);
const valuesOf = (t: Tensor): number[] => [...new Float32Array(new Uint8Array(t.data).buffer)];

void describe("ONNX Runtime's TopK", () => {
  void it('keeps the lower index among equal values, in every opset form, as the split relies on', async () => {
    const next = mulberry32(11);
    for (const opset of [9, 10, 11, 13]) {
      for (const width of [1, 3, 8, 100, 3313]) {
        for (const k of [1, 2, 5, 64].filter((k) => k <= width)) {
          // Values from a handful of levels: nearly every row is full of ties.
          const rows = 4;
          const data = Float32Array.from({ length: rows * width }, () => Math.floor(next() * 4));
          const x: Tensor = {
            name: 'x',
            datatype: 'FP32',
            shape: [rows, width],
            data: Buffer.from(data.buffer),
          };
          const top = topkNodes(opset, 'x', k, topkOutputNames('x'));
          const model = modelProto({
            irVersion: 7,
            opsetImport: [{ domain: '', version: opset }],
            graph: graphProto({
              name: 'topk',
              input: [tensorValueInfo('x', 1, ['rows', width])],
              output: [
                tensorValueInfo('x_topk_values', 1, ['rows', k]),
                tensorValueInfo('x_topk_indices', 7, ['rows', k]),
              ],
              node: top.nodes,
              initializer: top.initializers,
            }),
          });
          const actual = await runModel(model, [x]);
          const expected = referenceTopk(x, k);
          assertBitwise(actual[0]!, expected[0], `opset ${opset}, width ${width}, k ${k}`);
          assertBitwise(actual[1]!, expected[1], `opset ${opset}, width ${width}, k ${k}`);
        }
      }
    }
  });
});

/*
 * A classifier built for ties: x [batch, 8] → MatMul W [8, 12] + b → logits → Softmax. Weights,
 * biases and inputs are small integers and quarters, so every logit is exact in FP32 and equal
 * columns give equal logits whatever order a kernel sums in. Columns with the same letter are
 * equal; A carries a large bias, so columns 0, 1, 5, 6, 7 always tie for the top five:
 *
 *   column   0 1 2 3 4 5 6 7 8 9 10 11
 *   kind     A A B C D A A A B E C  D
 *
 * With 2 partitions [0-5 | 6-11], 3 [0-3 | 4-7 | 8-11], 4 [0-2 | 3-5 | 6-8 | 9-11], ties fall
 * within partitions (0, 1, 5 in the first of 2; 5, 6, 7 in the second of 3) and across every
 * boundary (5 | 6; 2 | 8, 3 | 10, 4 | 11), and a partition's tied group is larger than small k.
 */
const KINDS = 'AABCDAAABECD';
const CLASSES = KINDS.length;
const FEATURES = 8;

function tiedClassifier(opset: number): ModelProto {
  const next = mulberry32(5);
  const column = new Map<string, number[]>();
  const bias = new Map<string, number>();
  for (const kind of new Set(KINDS)) {
    column.set(
      kind,
      Array.from({ length: FEATURES }, () => Math.floor(next() * 7) - 3),
    );
    bias.set(kind, kind === 'A' ? 64 : Math.floor(next() * 7) - 3);
  }
  const w = new Float32Array(FEATURES * CLASSES);
  for (let r = 0; r < FEATURES; r++)
    for (let c = 0; c < CLASSES; c++) w[r * CLASSES + c] = column.get(KINDS[c]!)![r]!;
  const b = Float32Array.from(KINDS, (kind) => bias.get(kind)!);
  const graph = graphProto({
    name: 'tied',
    input: [tensorValueInfo('x', 1, ['batch', FEATURES])],
    output: [tensorValueInfo('probs', 1, ['batch', CLASSES])],
    initializer: [makeInitializer('W', [FEATURES, CLASSES], w), makeInitializer('b', [CLASSES], b)],
    node: [
      nodeProto({ opType: 'MatMul', name: 'fc', input: ['x', 'W'], output: ['fc_out'] }),
      nodeProto({ opType: 'Add', name: 'fc_bias', input: ['fc_out', 'b'], output: ['logits'] }),
      nodeProto({ opType: 'Softmax', name: 'softmax', input: ['logits'], output: ['probs'] }),
    ],
  });
  return modelProto({ irVersion: 7, opsetImport: [{ domain: '', version: opset }], graph });
}

/** Inputs in quarters of [-2, 2), so the logits are exact. */
function quarterTensor(name: string, shape: number[], seed: number): Tensor {
  const next = mulberry32(seed);
  const data = Float32Array.from(
    { length: shape.reduce((n, d) => n * d, 1) },
    () => Math.floor(next() * 16) / 4 - 2,
  );
  return { name, datatype: 'FP32', shape, data: Buffer.from(data.buffer) };
}

void describe('splitHead with topk on a classifier built for ties', () => {
  const x = quarterTensor('x', [6, FEATURES], 9);

  void it('plans one head stage (local TopK, gathered with topk), without the Softmax tail', async () => {
    const split = await splitHead(tiedClassifier(13), { name: 'tied', partitions: 3, topk: 4 });
    const plan = validatePlan(split.plan);
    assert.deepEqual(plan.outputs, [
      { name: 'logits_topk_values', datatype: 'FP32', shape: [-1, 4] },
      { name: 'logits_topk_indices', datatype: 'INT64', shape: [-1, 4] },
    ]);
    assert.deepEqual(
      plan.stages.map((s) => [s.name, s.partitions.length]),
      [['head', 3]],
    );
    assert.deepEqual(plan.stages[0]!.outputs, [
      {
        name: 'logits_topk_values',
        gather: { kind: 'topk', k: 4, indices: 'logits_topk_indices', columnOffsets: [0, 4, 8] },
      },
      { name: 'logits_topk_indices', gather: { kind: 'concat', axis: 1 } },
    ]);
    const head = split.models[0]![0]!.graph;
    assert.deepEqual(
      head.node.map((n) => n.opType),
      ['MatMul', 'Add', 'TopK'],
    );
    assert.deepEqual(
      head.output.map((o) => o.name),
      ['logits_topk_values', 'logits_topk_indices'],
    );
  });

  for (const opset of [9, 10, 13]) {
    for (const partitions of [2, 3, 4]) {
      void it(`opset ${opset}, ${partitions} partitions: the global top-k for every k, ties to the lower index`, async () => {
        const model = tiedClassifier(opset);
        const logits = await unsplitLogits(model, 'logits', [x]);
        for (let k = 1; k <= CLASSES; k++) {
          const split = await splitHead(model, { name: 'tied', partitions, topk: k });
          const [values, indices] = await runPartitioned(split, [x]);
          const [refValues, refIndices] = referenceTopk(logits, k);
          assertBitwise(values!, refValues, `k ${k}`);
          assertBitwise(indices!, refIndices, `k ${k}`);
          if (k >= 4 && opset === 13) {
            const [ortValues, ortIndices] = await unsplitOrtTopk(model, 'logits', k, [x]);
            assertBitwise(values!, ortValues!, `k ${k} against ORT's TopK on the unsplit logits`);
            assertBitwise(indices!, ortIndices!, `k ${k} against ORT's TopK on the unsplit logits`);
          }
        }
      });
    }
  }

  void it('breaks the five-way tie of A by index: [0, 1, 5, 6, 7] on every row', async () => {
    for (const partitions of [2, 3, 4]) {
      const split = await splitHead(tiedClassifier(13), { name: 'tied', partitions, topk: 5 });
      const [values, indices] = await runPartitioned(split, [x]);
      const rows = x.shape[0]!;
      assert.deepEqual(indicesOf(indices!), Array.from({ length: rows }, () => [0, 1, 5, 6, 7]).flat());
      const v = valuesOf(values!);
      for (let r = 0; r < rows; r++)
        assert.equal(new Set(v.slice(r * 5, r * 5 + 5)).size, 1, `row ${r} ties`);
    }
  });

  void it('refuses a k that is not an integer from 1 to the number of classes', async () => {
    const model = tiedClassifier(13);
    for (const topk of [0, 13, 2.5]) {
      await assert.rejects(
        splitHead(model, { name: 'tied', partitions: 2, topk }),
        (e: unknown) =>
          e instanceof SplitOptionError &&
          e.option === 'topk' &&
          /topk must be an integer from 1 to the head's 12 classes/.test(e.message),
      );
    }
  });
});

/** Where each partition's columns start: numpy's array_split of 6625 classes, larger slices first. */
const OCR_OFFSETS: Record<number, number[]> = { 2: [0, 3313], 3: [0, 2209, 4417], 4: [0, 1657, 3313, 4969] };

void describe('splitHead with topk on PP-OCRv4 text recognition', () => {
  let model: ModelProto;
  let logits: Tensor;
  const x = randomTensor('x', [2, 3, 48, 160], 31);
  const K = 5;
  before(async () => {
    model = await loadModel(ocrRecognitionModelPath());
    logits = await unsplitLogits(model, findHead(model).output, [x]);
  });

  for (const partitions of [2, 3, 4]) {
    void it(`${partitions} partitions: exactly the top-${K} of the unsplit logits`, async () => {
      const split = await splitHead(model, { name: 'ocr-rec', partitions, topk: K });
      const plan = validatePlan(split.plan);
      assert.deepEqual(plan.outputs, [
        { name: 'p2o.Add.277_topk_values', datatype: 'FP32', shape: [-1, -1, K] },
        { name: 'p2o.Add.277_topk_indices', datatype: 'INT64', shape: [-1, -1, K] },
      ]);
      assert.deepEqual(plan.stages[1]!.outputs[0]!.gather, {
        kind: 'topk',
        k: K,
        indices: 'p2o.Add.277_topk_indices',
        columnOffsets: OCR_OFFSETS[partitions],
      });
      const [values, indices] = await runPartitioned(split, [x]);
      assert.deepEqual(values!.shape, [2, 20, K]);
      const [refValues, refIndices] = referenceTopk(logits, K);
      assertBitwise(values!, refValues, 'values');
      assertBitwise(indices!, refIndices, 'indices');
      const [ortValues, ortIndices] = await unsplitOrtTopk(model, logits.name, K, [x]);
      assertBitwise(values!, ortValues!, "against ORT's TopK");
      assertBitwise(indices!, ortIndices!, "against ORT's TopK");
    });
  }

  void it('returns the indices of the top probabilities too: Softmax is monotonic', async () => {
    const split = await splitHead(model, { name: 'ocr-rec', partitions: 2, topk: K });
    const [, indices] = await runPartitioned(split, [x]);
    const [probs] = await runModel(model, [x]);
    const p = valuesOf(probs!);
    const idx = indicesOf(indices!);
    const classes = 6625;
    for (let row = 0; row < 40; row++) {
      const at = idx.slice(row * K, row * K + K).map((i) => p[row * classes + i]!);
      const best = p
        .slice(row * classes, (row + 1) * classes)
        .sort((a, b) => b - a)
        .slice(0, K);
      assert.deepEqual(at, best, `row ${row}`);
    }
  });
});
