import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { status as Status } from '@grpc/grpc-js';
import type { Tensor } from '../../lib/tensor/tensor.js';
import type { ServiceError } from '../../lib/grpc/service-error.js';
import { concatBatch, splitBatch } from './batch-split.js';
import { decodeBytes, encodeBytes } from '../../lib/tensor/bytes.js';

/** An FP32 tensor of `rows` × `cols` whose element (r, c) is start + r * cols + c. */
function counting(name: string, rows: number, cols: number, start: number): Tensor {
  const values = Float32Array.from({ length: rows * cols }, (_, i) => start + i);
  return { name, datatype: 'FP32', shape: [rows, cols], data: Buffer.from(values.buffer) };
}

const values = (t: Tensor): number[] =>
  Array.from(new Float32Array(t.data.buffer, t.data.byteOffset, t.data.length / 4));

void describe('concatBatch and splitBatch', () => {
  void test('inputs lie one request after another along axis 0, per input name', () => {
    const a = new Map([
      ['x', counting('x', 1, 3, 0)],
      ['z', counting('z', 1, 2, 100)],
    ]);
    const b = new Map([
      ['x', counting('x', 2, 3, 10)],
      ['z', counting('z', 2, 2, 200)],
    ]);
    const batch = concatBatch([a, b], ['x', 'z']);
    assert.deepEqual(batch.get('x')!.shape, [3, 3]);
    assert.deepEqual(values(batch.get('x')!), [0, 1, 2, 10, 11, 12, 13, 14, 15]);
    assert.deepEqual(values(batch.get('z')!), [100, 101, 200, 201, 202, 203]);
  });

  void test('outputs are cut back by each request own count, in request order', () => {
    const y = counting('y', 6, 2, 0);
    const [first, second, third] = splitBatch(new Map([['y', y]]), [1, 3, 2], ['y']);
    assert.deepEqual(first!.get('y')!.shape, [1, 2]);
    assert.deepEqual(values(first!.get('y')!), [0, 1]);
    assert.deepEqual(second!.get('y')!.shape, [3, 2]);
    assert.deepEqual(values(second!.get('y')!), [2, 3, 4, 5, 6, 7]);
    assert.deepEqual(values(third!.get('y')!), [8, 9, 10, 11]);
  });

  void test('split undoes concat for rank-3 tensors', () => {
    const parts = [2, 1, 3].map((rows, i) => {
      const t = counting('h', rows * 4, 5, i * 1000);
      return new Map([['h', { ...t, shape: [rows, 4, 5] }]]);
    });
    const batch = concatBatch(parts, ['h']);
    const back = splitBatch(batch, [2, 1, 3], ['h']);
    back.forEach((m, i) => assert.deepEqual(m.get('h'), parts[i]!.get('h')));
  });

  void test('an output whose dim 0 is not the batch total is INTERNAL, naming it', () => {
    assert.throws(
      () => splitBatch(new Map([['y', counting('y', 4, 2, 0)]]), [1, 2], ['y']),
      (e: ServiceError) => e.code === Status.INTERNAL && /output "y" of a batch of 3/.test(e.details),
    );
  });
});

void test('BYTES: requests concatenated by rows and cut back at element boundaries, elements of any length', () => {
  const words = (name: string, rows: number, first: number): Tensor => ({
    name,
    datatype: 'BYTES',
    shape: [rows, 2],
    data: encodeBytes(Array.from({ length: rows * 2 }, (_, i) => 'w'.repeat(first + i))),
  });
  const text = (t: Tensor): string[] => decodeBytes(t.data, t.shape[0]! * 2).map((b) => b.toString());
  const batch = concatBatch(
    [new Map([['s', words('s', 1, 0)]]), new Map([['s', words('s', 2, 5)]])],
    ['s'],
  ).get('s')!;
  assert.deepEqual(batch.shape, [3, 2]);
  assert.deepEqual(text(batch), ['', 'w', 'wwwww', 'wwwwww', 'wwwwwww', 'wwwwwwww']);
  const [first, second] = splitBatch(new Map([['s', batch]]), [2, 1], ['s']);
  assert.deepEqual(text(first!.get('s')!), ['', 'w', 'wwwww', 'wwwwww']);
  assert.deepEqual(second!.get('s')!.shape, [1, 2]);
  assert.deepEqual(text(second!.get('s')!), ['wwwwwww', 'wwwwwwww']);
});
