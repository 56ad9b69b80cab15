import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PlanError, validatePlan } from './validate.js';

/** A 2-stage plan: a batch-split stage, then a tensor-parallel one. */
function pipelinePlan(): Record<string, unknown> & { stages: Record<string, unknown>[] } {
  const spec = { datatype: 'FP32', shape: [-1, 4] };
  return {
    name: 'm',
    version: '1',
    inputs: [{ name: 'x', ...spec }],
    outputs: [{ name: 'z', ...spec }],
    stages: [
      {
        name: 'a',
        partitions: [{ file: 'a-0.onnx' }, { file: 'a-1.onnx' }],
        inputs: [{ name: 'x', scatter: { kind: 'split', axis: 0 } }],
        outputs: [{ name: 'y', gather: { kind: 'concat', axis: 0 } }],
      },
      {
        name: 'b',
        partitions: [{ file: 'b-0.onnx' }, { file: 'b-1.onnx' }, { file: 'b-2.onnx' }],
        inputs: [{ name: 'y', scatter: { kind: 'replicate' } }],
        outputs: [{ name: 'z', gather: { kind: 'sum' } }],
      },
    ],
  };
}

const stage = (plan: ReturnType<typeof pipelinePlan>, s: number): { partitions: object[] } =>
  plan.stages[s] as never;

void describe('validatePlan: sealed plans (docs/sealed-partitions.md)', () => {
  const b64 = (bytes: number, fill = 7): string => Buffer.alloc(bytes, fill).toString('base64');
  const sealedRecord = { nonce: b64(12), tag: b64(16), sha256: 'a'.repeat(64), bytes: 10 };
  const sealing = {
    algorithm: 'AES-256-GCM',
    keyId: '0123456789abcdef',
    wrappedKey: { nonce: b64(12), ciphertext: b64(32), tag: b64(16) },
  };
  /** The pipeline plan with every partition sealed. */
  function sealedPlan(): ReturnType<typeof pipelinePlan> {
    const plan = pipelinePlan();
    for (const s of plan.stages as { partitions: Record<string, unknown>[] }[])
      for (const p of s.partitions) p['sealed'] = { ...sealedRecord };
    plan['sealing'] = structuredClone(sealing);
    return plan;
  }
  function sealedError(edit: (plan: ReturnType<typeof pipelinePlan>) => void): PlanError {
    const plan = sealedPlan();
    edit(plan);
    try {
      validatePlan(plan);
    } catch (error) {
      assert.ok(error instanceof PlanError, String(error));
      return error;
    }
    assert.fail('the plan was accepted');
  }

  void test('a plan sealed throughout passes with its records; a clear plan has none', () => {
    const plan = validatePlan(sealedPlan());
    assert.equal(plan.sealing?.keyId, '0123456789abcdef');
    assert.deepEqual(plan.stages[1]!.partitions[0]!.sealed, sealedRecord);
    assert.equal(validatePlan(pipelinePlan()).sealing, undefined);
  });

  void test('a half-sealed plan is refused, naming the partition', () => {
    const missing = sealedError(
      (p) => delete (stage(p, 1).partitions[2] as Record<string, unknown>)['sealed'],
    );
    assert.equal(missing.path, 'stages[1].partitions[2].sealed');
    assert.match(missing.message, /is missing: the plan has sealing, so every partition must be sealed/);
    const orphan = sealedError((p) => delete p['sealing']);
    assert.equal(orphan.path, 'stages[0].partitions[0].sealed');
    assert.match(orphan.message, /is set but the plan has no sealing record/);
  });

  void test('malformed sealing records name their field', () => {
    const cases: [edit: (p: ReturnType<typeof pipelinePlan>) => void, path: string, message: RegExp][] = [
      [
        (p) => ((p['sealing'] as typeof sealing).wrappedKey.nonce = b64(11)),
        'sealing.wrappedKey.nonce',
        /base64 of 12 bytes/,
      ],
      [
        (p) => ((p['sealing'] as typeof sealing).wrappedKey.ciphertext = 'not base64!'),
        'sealing.wrappedKey.ciphertext',
        /base64 of 32 bytes/,
      ],
      [(p) => ((p['sealing'] as typeof sealing).keyId = 'XYZ'), 'sealing.keyId', /16 lowercase hex digits/],
      [
        (p) => ((p['sealing'] as typeof sealing).algorithm = 'AES-128-CBC'),
        'sealing.algorithm',
        /AES-256-GCM/,
      ],
      [
        (p) => ((stage(p, 0).partitions[0] as { sealed: typeof sealedRecord }).sealed.tag = b64(15)),
        'stages[0].partitions[0].sealed.tag',
        /base64 of 16 bytes/,
      ],
      [
        (p) => ((stage(p, 0).partitions[1] as { sealed: typeof sealedRecord }).sealed.sha256 = 'abc'),
        'stages[0].partitions[1].sealed.sha256',
        /64 lowercase hex digits/,
      ],
    ];
    for (const [edit, where, message] of cases) {
      const error = sealedError(edit);
      assert.equal(error.path, where, error.message);
      assert.match(error.message, message);
    }
  });
});
