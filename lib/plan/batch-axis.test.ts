import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PlanError, validatePlan } from './validate.js';

type Json = Record<string, unknown> & { stages: Record<string, unknown>[] };

/** A data-parallel stage, a tensor-parallel sum, a sharded top-k head, and a one-partition tail. */
function batchingPlan(): Json {
  return {
    name: 'batched',
    version: '1',
    inputs: [{ name: 'tokens', datatype: 'INT64', shape: [-1, 16] }],
    outputs: [
      { name: 'scores', datatype: 'FP32', shape: [-1, 5] },
      { name: 'classes', datatype: 'INT64', shape: [-1, 5] },
    ],
    maxBatchSize: 8,
    dynamicBatching: { preferredBatchSizes: [4, 8], maxQueueDelayMicroseconds: 100 },
    stages: [
      {
        name: 'embed',
        partitions: [{ file: 'embed-0.onnx' }, { file: 'embed-1.onnx' }],
        inputs: [{ name: 'tokens', scatter: { kind: 'split', axis: 0 } }],
        outputs: [{ name: 'hidden', gather: { kind: 'concat', axis: 0 } }],
      },
      {
        name: 'mlp',
        partitions: [{ file: 'mlp-0.onnx' }, { file: 'mlp-1.onnx' }],
        inputs: [{ name: 'hidden', scatter: { kind: 'replicate' } }],
        outputs: [{ name: 'features', gather: { kind: 'sum' } }],
      },
      {
        name: 'head',
        partitions: [{ file: 'head-0.onnx' }, { file: 'head-1.onnx' }],
        inputs: [{ name: 'features', scatter: { kind: 'replicate' } }],
        outputs: [
          { name: 'top', gather: { kind: 'topk', k: 5, indices: 'ids', columnOffsets: [0, 40] } },
          { name: 'ids', gather: { kind: 'concat', axis: -1 } },
        ],
      },
      {
        name: 'tail',
        partitions: [{ file: 'tail-0.onnx' }],
        inputs: [
          { name: 'top', scatter: { kind: 'replicate' } },
          { name: 'ids', scatter: { kind: 'replicate' } },
        ],
        outputs: [
          { name: 'scores', gather: { kind: 'concat', axis: 0 } },
          { name: 'classes', gather: { kind: 'concat', axis: 0 } },
        ],
      },
    ],
  };
}

function planError(edit: (plan: Json) => void): PlanError {
  const plan = batchingPlan();
  edit(plan);
  try {
    validatePlan(plan);
  } catch (error) {
    assert.ok(error instanceof PlanError, `expected a PlanError, got ${String(error)}`);
    return error;
  }
  assert.fail('the plan was accepted');
}

const stage = (plan: Json, s: number): { inputs: object[]; outputs: object[]; partitions: object[] } =>
  plan.stages[s] as never;

void describe('dynamicBatching in plan.json', () => {
  void test('a plan that keeps axis 0 as the batch through every stage passes, with its settings', () => {
    assert.deepEqual(validatePlan(batchingPlan()).dynamicBatching, {
      preferredBatchSizes: [4, 8],
      maxQueueDelayMicroseconds: 100,
    });
  });

  void test('absent means off; an empty section means on with Triton defaults', () => {
    const off = batchingPlan();
    delete off['dynamicBatching'];
    assert.equal(validatePlan(off).dynamicBatching, undefined);
    const on = batchingPlan();
    on['dynamicBatching'] = {};
    assert.deepEqual(validatePlan(on).dynamicBatching, {
      preferredBatchSizes: [],
      maxQueueDelayMicroseconds: 0,
    });
  });

  void test('bad settings name their field', () => {
    const cases: [(p: Json) => void, string, RegExp][] = [
      [(p) => (p['maxBatchSize'] = 0), 'maxBatchSize', /needs a batch dim/],
      [
        (p) => (p['dynamicBatching'] = { preferredBatchSizes: [4, 16] }),
        'dynamicBatching.preferredBatchSizes[1]',
        /16 exceeds maxBatchSize 8/,
      ],
      [
        (p) => (p['dynamicBatching'] = { preferredBatchSizes: [0] }),
        'dynamicBatching.preferredBatchSizes[0]',
        /./,
      ],
      [
        (p) => (p['dynamicBatching'] = { maxQueueDelayMicroseconds: -1 }),
        'dynamicBatching.maxQueueDelayMicroseconds',
        /./,
      ],
      [(p) => (p['dynamicBatching'] = { maxQueueDelayUs: 5 }), 'dynamicBatching', /maxQueueDelayUs/],
    ];
    for (const [edit, path, message] of cases) {
      const error = planError(edit);
      assert.equal(error.path, path);
      assert.match(error.message, message);
    }
  });

  void test('every model input and output needs a dynamic leading batch dim', () => {
    const input = planError((p) => ((p['inputs'] as { shape: number[] }[])[0]!.shape = [4, 16]));
    assert.equal(input.path, 'inputs[0].shape');
    assert.match(input.message, /dynamic leading batch dim \(-1\), not \[4,16\]/);
    const output = planError((p) => ((p['outputs'] as { shape: number[] }[])[1]!.shape = [5]));
    assert.equal(output.path, 'outputs[1].shape');
  });

  void test('a stage that mixes rows of the batch is refused, naming its gather', () => {
    const sumOfSlices = planError((p) => {
      stage(p, 0).outputs[0] = { name: 'hidden', gather: { kind: 'sum' } };
    });
    assert.equal(sumOfSlices.path, 'stages[0].outputs[0].gather');
    assert.match(sumOfSlices.message, /splits the batch axis/);
    const rowsAfterRows = planError((p) => {
      stage(p, 1).outputs[0] = { name: 'features', gather: { kind: 'concat', axis: 0 } };
    });
    assert.equal(rowsAfterRows.path, 'stages[1].outputs[0].gather.axis');
    assert.match(rowsAfterRows.message, /mixes requests/);
    // -2 on a model output of rank 2 is axis 0 too.
    const negative = planError((p) => {
      stage(p, 3).partitions.push({ file: 'tail-1.onnx' });
      stage(p, 3).outputs[0] = { name: 'scores', gather: { kind: 'concat', axis: -2 } };
    });
    assert.equal(negative.path, 'stages[3].outputs[0].gather.axis');
  });

  void test('without dynamicBatching the same plans are served as before', () => {
    const plan = batchingPlan();
    delete plan['dynamicBatching'];
    plan['maxBatchSize'] = 0;
    stage(plan, 1).outputs[0] = { name: 'features', gather: { kind: 'concat', axis: 0 } };
    assert.equal(validatePlan(plan).name, 'batched');
  });
});
