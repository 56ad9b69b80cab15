import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bytesOf, typedView } from './typed-view.js';

test('an aligned view shares memory with the buffer', () => {
  const bytes = Buffer.alloc(8);
  const view = typedView('FP32', bytes);
  view[1] = 1.5;
  assert.equal(bytes.readFloatLE(4), 1.5);
  assert.ok(view instanceof Float32Array);
});

test('a misaligned buffer is copied, and reads the same values', () => {
  const backing = Buffer.alloc(17);
  backing.writeBigInt64LE(-3n, 1);
  backing.writeBigInt64LE(7n, 9);
  const view = typedView('INT64', backing.subarray(1));
  assert.deepEqual([...view], [-3n, 7n]);
});

test('each datatype maps to its typed array; FP16 to its raw bits', () => {
  assert.ok(typedView('UINT64', Buffer.alloc(8)) instanceof BigUint64Array);
  assert.ok(typedView('FP16', Buffer.alloc(4)) instanceof Uint16Array);
  assert.ok(typedView('BOOL', Buffer.alloc(3)) instanceof Uint8Array);
  assert.equal(typedView('FP64', Buffer.alloc(16)).length, 2);
});

test('a partial element is refused', () => {
  assert.throws(() => typedView('INT32', Buffer.alloc(6)), RangeError);
});

test('bytesOf returns the bytes behind a view without a copy', () => {
  const array = new Int16Array([1, -1]);
  const bytes = bytesOf(array);
  assert.deepEqual([...bytes], [1, 0, 255, 255]);
  bytes[0] = 2;
  assert.equal(array[0], 2);
});
