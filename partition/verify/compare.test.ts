import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Tensor } from '../../lib/tensor/tensor.js';
import { compareTensors } from './compare.js';

const fp32 = (values: number[], shape = [values.length]): Tensor => ({
  name: 't',
  datatype: 'FP32',
  shape,
  data: Buffer.from(Float32Array.from(values).buffer),
});

void describe('compareTensors', () => {
  void it('reports bitwise equality, and max abs and max rel (against the reference scale) otherwise', () => {
    assert.deepEqual(compareTensors(fp32([1, -2]), fp32([1, -2])), {
      name: 't',
      shape: [2],
      bitwise: true,
      maxAbs: 0,
      maxRel: 0,
    });
    const d = compareTensors(fp32([1, -2.5, 0]), fp32([1, -2, 4]));
    assert.equal(d.bitwise, false);
    assert.equal(d.maxAbs, 4);
    assert.equal(d.maxRel, 1);
  });

  void it('matches NaN with NaN, and fails NaN against a number, shapes or types that differ', () => {
    assert.equal(compareTensors(fp32([NaN, 1]), fp32([NaN, 1])).maxAbs, 0);
    assert.equal(compareTensors(fp32([NaN, 1]), fp32([0, 1])).maxAbs, Infinity);
    assert.equal(compareTensors(fp32([1, 2], [1, 2]), fp32([1, 2], [2, 1])).maxRel, Infinity);
    const int64: Tensor = {
      name: 'i',
      datatype: 'INT64',
      shape: [2],
      data: Buffer.from(BigInt64Array.from([3n, 5n]).buffer),
    };
    const other: Tensor = { ...int64, data: Buffer.from(BigInt64Array.from([3n, 4n]).buffer) };
    assert.deepEqual([compareTensors(int64, other).maxAbs, compareTensors(int64, other).maxRel], [1, 0.25]);
    assert.equal(compareTensors(int64, fp32([3, 5])).bitwise, false);
  });
});
