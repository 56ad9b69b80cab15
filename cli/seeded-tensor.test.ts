import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DATATYPES, type Datatype } from '../lib/tensor/dtype.js';
import { rawContents, seededValues, shownValues } from './seeded-tensor.js';

void describe("infer's seeded tensors", () => {
  void test('every datatype goes to its raw form and back unchanged', () => {
    for (const datatype of Object.keys(DATATYPES) as Datatype[]) {
      const values = seededValues(datatype, 12, 5);
      const raw = rawContents(datatype, values);
      const back = shownValues(datatype, raw, values.length);
      if (datatype === 'FP32')
        back.forEach((v, i) => assert.equal(v, Math.fround(values[i] as number), `${datatype}[${i}]`));
      else if (datatype === 'FP16')
        back.forEach((v, i) =>
          assert.ok(Math.abs((v as number) - (values[i] as number)) <= 2 ** -10, `${datatype}[${i}]: ${v}`),
        );
      else assert.deepEqual(back, values, datatype);
    }
  });

  void test('raw layouts are little-endian, BYTES length-prefixed', () => {
    assert.deepEqual([...rawContents('INT32', [1, 258])], [1, 0, 0, 0, 2, 1, 0, 0]);
    assert.deepEqual([...rawContents('INT64', [3])], [3, 0, 0, 0, 0, 0, 0, 0]);
    assert.deepEqual([...rawContents('BYTES', ['7', '42'])], [1, 0, 0, 0, 55, 2, 0, 0, 0, 52, 50]);
    assert.deepEqual([...rawContents('FP16', [1, -2])], [0x00, 0x3c, 0x00, 0xc0]);
  });

  void test('the same seed gives the same values; FP32 keeps the sequence infer always sent', () => {
    assert.deepEqual(seededValues('INT32', 8, 9), seededValues('INT32', 8, 9));
    assert.notDeepEqual(seededValues('INT32', 8, 9), seededValues('INT32', 8, 10));
    const ints = seededValues('INT8', 1000, 1) as number[];
    assert.ok(ints.every((v) => Number.isInteger(v) && v >= 0 && v <= 9));
    assert.equal(new Set(ints).size, 10);
    const floats = seededValues('FP32', 1000, 1) as number[];
    assert.ok(floats.every((v) => v >= -1 && v < 1));
  });

  void test('64-bit integers past 2^53 print exactly, as text', () => {
    const raw = Buffer.alloc(8);
    raw.writeBigInt64LE(2n ** 60n);
    assert.deepEqual(shownValues('INT64', raw, 1), [(2n ** 60n).toString()]);
  });
});
