import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadInferencePackage } from '../../lib/grpc/protos.js';
import type { Plan } from '../../lib/plan/schema.js';
import { fuzzCase, type FuzzModel } from './cases.js';

const plan = (name: string, shape: number[]): Plan => ({
  name,
  version: '1',
  inputs: [{ name: 'x', datatype: 'FP32', shape }],
  outputs: [{ name: 'y', datatype: 'FP32', shape }],
  maxBatchSize: 0,
  stages: [
    {
      name: 's',
      partitions: [{ file: 'p.onnx' }],
      inputs: [{ name: 'x', scatter: { kind: 'replicate' } }],
      outputs: [{ name: 'y', gather: { kind: 'concat', axis: 0 } }],
    },
  ],
});

const models: FuzzModel[] = [
  { plan: plan('a', [-1, 4]), weight: 1, dynamicDim: () => 2 },
  { plan: plan('b', [3]), weight: 1, dynamicDim: () => 1 },
];
// Small huge cases: the generator's bytes, not their size, are under test here.
const limits = { maxStringBytes: 4096, hugeInputBytes: 1 << 16 };
const REQUEST = loadInferencePackage().packageDefinition['inference.ModelInferRequest'] as unknown as {
  deserialize(bytes: Buffer): {
    model_name: string;
    inputs: { shape: number[] }[];
    raw_input_contents: Buffer[];
  };
};

void describe('fuzz cases', () => {
  void test('a case is a function of (seed, index): the same bytes every time, others for another seed', () => {
    for (let i = 0; i < 200; i++) {
      const once = fuzzCase(5, i, models, limits);
      assert.deepEqual(fuzzCase(5, i, models, limits), once, `case ${i}`);
    }
    const differs = Array.from({ length: 50 }, (_, i) => i).filter(
      (i) =>
        !Buffer.concat(fuzzCase(5, i, models, limits).chunks).equals(
          Buffer.concat(fuzzCase(6, i, models, limits).chunks),
        ),
    );
    assert.ok(differs.length > 40, `${differs.length} of 50 differ`);
  });

  void test('2000 cases cover every family and both methods', () => {
    const families = new Map<string, number>();
    for (let i = 0; i < 2000; i++) {
      const c = fuzzCase(1, i, models, limits);
      families.set(c.family, (families.get(c.family) ?? 0) + 1);
      assert.equal(c.method === 'ModelStreamInfer', c.family === 'stream', c.what);
    }
    assert.deepEqual([...families.keys()].sort(), [
      'bytes',
      'datatype',
      'hostile-name',
      'hostile-shape',
      'huge',
      'mutated',
      'outputs',
      'stream',
      'valid',
    ]);
  });

  void test('a valid case is one framed request the model runs: shape filled, bytes to match', () => {
    let seen = 0;
    for (let i = 0; i < 500; i++) {
      const c = fuzzCase(2, i, models, limits);
      if (c.family !== 'valid' || !c.expectOk) continue;
      seen++;
      const [chunk] = c.chunks;
      assert.equal(chunk!.readUInt32BE(1), chunk!.length - 5);
      const request = REQUEST.deserialize(chunk!.subarray(5));
      const shape = request.inputs[0]!.shape.map(Number);
      assert.ok(
        shape.every((d) => d >= 1),
        `${request.model_name} [${shape}]`,
      );
      const raw = request.raw_input_contents[0];
      if (raw)
        assert.equal(
          raw.length,
          shape.reduce((n, d) => n * d, 4),
        );
    }
    assert.ok(seen > 20, `${seen} valid cases`);
  });
});
