import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Plan } from '../../lib/plan/schema.js';
import type { Tensor } from '../../lib/tensor/tensor.js';
import { expectedBytes, heldBytes } from './request-bytes.js';

const plan = (maxBatchSize: number): Plan => ({
  name: 'm',
  version: '1',
  inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 4] }],
  outputs: [
    { name: 'y', datatype: 'FP32', shape: [-1, 1000] },
    { name: 'i', datatype: 'INT64', shape: [-1, -1] },
  ],
  maxBatchSize,
  stages: [],
});

const x = (batch: number): Map<string, Tensor> =>
  new Map([['x', { name: 'x', datatype: 'FP32', shape: [batch, 4], data: Buffer.alloc(batch * 16) }]]);

void describe('the bytes a request holds in the router', () => {
  test("inputs plus the requested outputs at the request's batch", () => {
    assert.equal(expectedBytes(plan(8), x(3), ['y'], 3), 3 * 16 + 3 * 1000 * 4);
    assert.equal(expectedBytes(plan(8), x(3), ['y', 'i'], 3), 3 * 16 + 3 * 1000 * 4 + 3 * 1 * 8);
  });

  test('outputs not requested are not counted; without a batch dim an open dim counts 1', () => {
    assert.equal(expectedBytes(plan(8), x(3), ['i'], 3), 3 * 16 + 3 * 8);
    assert.equal(expectedBytes(plan(0), x(3), ['y'], 1), 3 * 16 + 1000 * 4);
  });

  test('once the outputs exist, what they really take', () => {
    const y: Tensor = { name: 'y', datatype: 'FP32', shape: [3, 7], data: Buffer.alloc(84) };
    assert.equal(heldBytes(x(3), [y]), 48 + 84);
  });
});
