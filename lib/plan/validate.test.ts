import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PlanError, validatePlan } from './validate.js';

/** A 3-stage pipeline: an embedding split by batch, a tensor-parallel MLP, a sharded top-k head. */
function pipelinePlan(): Record<string, unknown> & { stages: Record<string, unknown>[] } {
  return {
    name: 'mlp-demo',
    version: '3',
    strategy: 'pipeline',
    inputs: [{ name: 'tokens', datatype: 'INT64', shape: [-1, 16] }],
    outputs: [
      { name: 'scores', datatype: 'FP32', shape: [-1, 5] },
      { name: 'classes', datatype: 'INT64', shape: [-1, 5] },
    ],
    maxBatchSize: 8,
    stages: [
      {
        name: 'embed',
        partitions: [{ file: 'embed-0.onnx' }, { file: 'embed-1.onnx' }],
        inputs: [{ name: 'tokens', scatter: { kind: 'split', axis: 0 } }],
        outputs: [{ name: 'hidden', gather: { kind: 'concat', axis: 0 } }],
      },
      {
        name: 'mlp',
        partitions: [{ file: 'mlp-0.onnx', weightBytes: 1024 }, { file: 'mlp-1.onnx' }],
        inputs: [{ name: 'hidden', scatter: { kind: 'replicate' } }],
        outputs: [{ name: 'features', gather: { kind: 'sum' } }],
      },
      {
        name: 'head',
        partitions: [{ file: 'head-0.onnx' }, { file: 'head-1.onnx' }, { file: 'head-2.onnx' }],
        inputs: [{ name: 'features', scatter: { kind: 'replicate' } }],
        outputs: [
          { name: 'scores', gather: { kind: 'topk', k: 5, indices: 'classes', columnOffsets: [0, 40, 80] } },
          { name: 'classes', gather: { kind: 'concat', axis: -1 } },
        ],
      },
    ],
  };
}

/** Runs `validatePlan` on a broken copy and returns its PlanError. */
function planError(edit: (plan: ReturnType<typeof pipelinePlan>) => void): PlanError {
  const plan = pipelinePlan();
  edit(plan);
  try {
    validatePlan(plan);
  } catch (error) {
    assert.ok(error instanceof PlanError, `expected a PlanError, got ${String(error)}`);
    assert.equal(error.name, 'PlanError');
    assert.ok(error.message.startsWith(`plan.json ${error.path}: `), error.message);
    return error;
  }
  assert.fail('the plan was accepted');
}

const stage = (
  plan: ReturnType<typeof pipelinePlan>,
  s: number,
): Record<string, unknown> & { inputs: object[]; outputs: object[]; partitions: object[] } =>
  plan.stages[s] as never;

void describe('validatePlan', () => {
  void test('a good 3-stage pipeline plan passes and comes back parsed', () => {
    const plan = validatePlan(pipelinePlan());
    assert.equal(plan.name, 'mlp-demo');
    assert.equal(plan.maxBatchSize, 8);
    assert.deepEqual(
      plan.stages.map((s) => [s.name, s.partitions.length]),
      [
        ['embed', 2],
        ['mlp', 2],
        ['head', 3],
      ],
    );
    assert.deepEqual(plan.stages[2]!.outputs[0]!.gather, {
      kind: 'topk',
      k: 5,
      indices: 'classes',
      columnOffsets: [0, 40, 80],
    });
  });

  void test('maxBatchSize defaults to 0', () => {
    const json = pipelinePlan();
    delete json['maxBatchSize'];
    assert.equal(validatePlan(json).maxBatchSize, 0);
  });

  void test('maxRequestBytes is optional, and may not be below the smallest request of the inputs', () => {
    assert.equal(validatePlan(pipelinePlan()).maxRequestBytes, undefined);
    // tokens [-1, 16] INT64: at least 1 x 16 x 8 = 128 bytes.
    assert.equal(validatePlan({ ...pipelinePlan(), maxRequestBytes: 128 }).maxRequestBytes, 128);
    const error = planError((p) => {
      p['maxRequestBytes'] = 127;
    });
    assert.equal(error.path, 'maxRequestBytes');
    assert.match(error.message, /127 is less than the 128 bytes/);
    assert.equal(planError((p) => void (p['maxRequestBytes'] = 0)).path, 'maxRequestBytes');
  });

  void test('maxRequestBytes of BYTES inputs counts each element as at least its 4-byte length prefix', () => {
    const text = (maxRequestBytes: number) => ({
      ...pipelinePlan(),
      inputs: [{ name: 'tokens', datatype: 'BYTES', shape: [-1, 16] }],
      maxRequestBytes,
    });
    assert.equal(validatePlan(text(64)).maxRequestBytes, 64);
    assert.throws(() => validatePlan(text(63)), {
      name: 'PlanError',
      message: /63 is less than the 64 bytes/,
    });
  });

  void test('a top-k stage may list its indices before or after the values', () => {
    const json = pipelinePlan();
    stage(json, 2).outputs.reverse();
    assert.deepEqual(
      validatePlan(json).stages[2]!.outputs.map((o) => o.name),
      ['classes', 'scores'],
    );
  });

  void test('a stage input that is not available names stages[1].inputs[0].name', () => {
    const error = planError((p) => {
      stage(p, 1).inputs[0] = { name: 'hiddne', scatter: { kind: 'replicate' } };
    });
    assert.equal(error.path, 'stages[1].inputs[0].name');
    assert.match(error.message, /"hiddne" is neither a model input nor an output of an earlier stage/);
  });

  void test('an input produced only by a later stage is not available yet', () => {
    const error = planError((p) => {
      stage(p, 0).inputs.push({ name: 'features', scatter: { kind: 'replicate' } });
    });
    assert.equal(error.path, 'stages[0].inputs[1].name');
  });

  void test('duplicate stage names name the second one', () => {
    const error = planError((p) => {
      stage(p, 2)['name'] = 'embed';
    });
    assert.equal(error.path, 'stages[2].name');
    assert.match(error.message, /"embed" is used twice/);
  });

  void test('top-k columnOffsets must have one entry per partition', () => {
    const error = planError((p) => {
      stage(p, 2).outputs[0] = {
        name: 'scores',
        gather: { kind: 'topk', k: 5, indices: 'classes', columnOffsets: [0, 40] },
      };
    });
    assert.equal(error.path, 'stages[2].outputs[0].gather.columnOffsets');
    assert.match(error.message, /has 2 entries for 3 partitions/);
  });

  void test('top-k indices must be another output of the same stage', () => {
    const missing = planError((p) => {
      stage(p, 2).outputs.pop();
    });
    assert.equal(missing.path, 'stages[2].outputs[0].gather.indices');
    assert.match(missing.message, /"classes"/);
    const itself = planError((p) => {
      stage(p, 2).outputs[0] = {
        name: 'scores',
        gather: { kind: 'topk', k: 5, indices: 'scores', columnOffsets: [0, 40, 80] },
      };
    });
    assert.equal(itself.path, 'stages[2].outputs[0].gather.indices');
  });

  void test('an output that redefines an available tensor names it', () => {
    const input = planError((p) => {
      stage(p, 0).outputs[0] = { name: 'tokens', gather: { kind: 'concat', axis: 0 } };
    });
    assert.equal(input.path, 'stages[0].outputs[0].name');
    assert.match(input.message, /"tokens" is already a model input/);
    const earlier = planError((p) => {
      stage(p, 1).outputs[0] = { name: 'hidden', gather: { kind: 'sum' } };
    });
    assert.equal(earlier.path, 'stages[1].outputs[0].name');
    assert.match(earlier.message, /already an output of stage "embed"/);
  });

  void test('a model output no stage produces names outputs[i].name', () => {
    const error = planError((p) => {
      (p['outputs'] as object[]).push({ name: 'logits', datatype: 'FP32', shape: [-1, 120] });
    });
    assert.equal(error.path, 'outputs[2].name');
    assert.match(error.message, /"logits" is not produced by any stage/);
    const passthrough = planError((p) => {
      p['outputs'] = [{ name: 'tokens', datatype: 'INT64', shape: [-1, 16] }];
    });
    assert.equal(passthrough.path, 'outputs[0].name');
  });

  void test('schema errors name the field zod found', () => {
    assert.equal(
      planError((p) => {
        (p['inputs'] as { datatype: string }[])[0]!.datatype = 'FP8';
      }).path,
      'inputs[0].datatype',
    );
    assert.equal(
      planError((p) => {
        stage(p, 1)['name'] = 'has space';
      }).path,
      'stages[1].name',
    );
    assert.equal(
      planError((p) => {
        stage(p, 0).inputs[0] = { name: 'tokens', scatter: { kind: 'shuffle' } };
      }).path,
      'stages[0].inputs[0].scatter.kind',
    );
    assert.equal(
      planError((p) => {
        stage(p, 2).partitions.length = 0;
      }).path,
      'stages[2].partitions',
    );
    assert.equal(
      planError((p) => {
        p['version'] = 'v1';
      }).path,
      'version',
    );
    assert.equal(
      planError((p) => {
        (p['inputs'] as { shape: number[] }[])[0]!.shape = [-2, 16];
      }).path,
      'inputs[0].shape[0]',
    );
  });

  void test('something that is not an object fails at the root', () => {
    assert.throws(
      () => validatePlan('plan'),
      (error: unknown) => error instanceof PlanError && error.path === '(root)',
    );
    assert.throws(() => validatePlan(null), PlanError);
  });
});
