import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mismatch } from './conform.js';
import type { TensorSpec } from './tensor.js';

const declared: TensorSpec = { name: 'pixels', datatype: 'FP32', shape: [-1, 3, 48, -1] };

void describe('mismatch', () => {
  void test('undefined when datatype and shape fit, -1 taking any size', () => {
    assert.equal(mismatch({ datatype: 'FP32', shape: [1, 3, 48, 320] }, declared), undefined);
    assert.equal(mismatch({ datatype: 'FP32', shape: [0, 3, 48, 1] }, declared), undefined);
    assert.equal(
      mismatch({ datatype: 'INT64', shape: [] }, { name: 's', datatype: 'INT64', shape: [] }),
      undefined,
    );
  });

  void test('a wrong datatype names the input and both types', () => {
    assert.equal(
      mismatch({ datatype: 'FP16', shape: [1, 3, 48, 320] }, declared),
      'input "pixels": datatype FP16 given, the model takes FP32',
    );
  });

  void test('a wrong fixed dim names the input and both shapes', () => {
    assert.equal(
      mismatch({ datatype: 'FP32', shape: [1, 4, 48, 320] }, declared),
      'input "pixels": shape [1,4,48,320] given, the model takes [-1,3,48,-1] (-1 is any size)',
    );
  });

  void test('a wrong rank does not fit, even when the given dims match a prefix', () => {
    assert.match(
      mismatch({ datatype: 'FP32', shape: [1, 3, 48] }, declared) ?? '',
      /^input "pixels": shape \[1,3,48\] given/,
    );
    assert.match(
      mismatch({ datatype: 'FP32', shape: [1, 3, 48, 320, 1] }, declared) ?? '',
      /^input "pixels": shape/,
    );
    assert.match(
      mismatch({ datatype: 'FP32', shape: [2] }, { name: 's', datatype: 'FP32', shape: [] }) ?? '',
      /^input "s"/,
    );
  });

  void test('the datatype is checked before the shape', () => {
    assert.match(mismatch({ datatype: 'INT8', shape: [9] }, declared) ?? '', /datatype INT8 given/);
  });
});
