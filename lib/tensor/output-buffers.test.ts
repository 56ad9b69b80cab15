import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  allocateOutput,
  headroomOf,
  HEADROOM_BYTES,
  HEADROOM_MIN_BYTES,
  releaseOutput,
} from './output-buffers.js';
import { ConcatMerger, SumMerger } from './merge.js';

void describe('allocateOutput', () => {
  test('a large buffer is zero-filled and has HEADROOM_BYTES reserved in front of it', () => {
    const data = allocateOutput(HEADROOM_MIN_BYTES);
    assert.equal(data.length, HEADROOM_MIN_BYTES);
    assert.ok(data.every((b) => b === 0));
    const whole = headroomOf(data);
    assert.ok(whole);
    assert.equal(whole.buffer, data.buffer);
    assert.equal(data.byteOffset - whole.byteOffset, HEADROOM_BYTES);
    assert.equal(whole.length, HEADROOM_BYTES + data.length);
  });

  test('a small buffer has none, and neither has any buffer made elsewhere or a view of ours', () => {
    assert.equal(headroomOf(allocateOutput(HEADROOM_MIN_BYTES - 1)), undefined);
    assert.equal(headroomOf(Buffer.alloc(HEADROOM_MIN_BYTES * 2).subarray(HEADROOM_BYTES)), undefined);
    assert.equal(headroomOf(allocateOutput(HEADROOM_MIN_BYTES * 2).subarray(8)), undefined);
  });
});

void describe('merged outputs carry headroom, so the response encoder need not copy them', () => {
  const rows = HEADROOM_MIN_BYTES / 4 / 2;
  test('ConcatMerger', () => {
    const m = new ConcatMerger(
      'y',
      'FP32',
      [
        [rows, 1],
        [rows, 1],
      ],
      0,
    );
    m.accept(0, 0, Buffer.alloc(rows * 4));
    m.accept(1, 0, Buffer.alloc(rows * 4));
    assert.ok(headroomOf(m.result().data));
  });
  test('SumMerger', () => {
    const m = new SumMerger('y', 'FP32', [[rows * 2], [rows * 2]]);
    assert.ok(headroomOf(m.result().data));
  });
});

void describe('releaseOutput', () => {
  test('a released buffer is handed out again for the same size, zero-filled', () => {
    const size = HEADROOM_MIN_BYTES + 12;
    const first = allocateOutput(size).fill(9);
    releaseOutput(first);
    const again = allocateOutput(size);
    assert.equal(again, first);
    assert.ok(again.every((b) => b === 0));
    assert.notEqual(allocateOutput(size), first, 'taken from the pool, so not handed out twice');
  });

  test('zeroFill: false hands a reused buffer back as it was', () => {
    const size = HEADROOM_MIN_BYTES + 36;
    const first = allocateOutput(size).fill(4);
    releaseOutput(first);
    const again = allocateOutput(size, { zeroFill: false });
    assert.equal(again, first);
    assert.ok(again.every((b) => b === 4));
  });

  test('a 256 MiB output, with its headroom, fits the pool and is reused', () => {
    const size = 256 << 20;
    const first = allocateOutput(size, { zeroFill: false });
    releaseOutput(first);
    // Not assert.equal: its message would print two 256 MiB buffers.
    assert.ok(allocateOutput(size, { zeroFill: false }) === first, 'a fresh buffer, not the released one');
  });

  test('releasing twice puts it in the pool once; foreign buffers are never pooled', () => {
    const size = HEADROOM_MIN_BYTES + 20;
    const data = allocateOutput(size);
    releaseOutput(data);
    releaseOutput(data);
    const a = allocateOutput(size);
    const b = allocateOutput(size);
    assert.equal(a, data);
    assert.notEqual(b, data);
    const foreign = Buffer.alloc(HEADROOM_MIN_BYTES + 28);
    releaseOutput(foreign);
    assert.notEqual(allocateOutput(foreign.length), foreign);
  });
});
