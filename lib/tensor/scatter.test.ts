import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bytesPerElement, type Datatype } from './dtype.js';
import { splitOffsets, splitSizes, splitTensor } from './scatter.js';
import { elementCount, type Tensor } from './tensor.js';
import { mulberry32 } from '../random.js';

const prng = mulberry32;

function randomTensor(random: () => number, datatype: Datatype, shape: number[]): Tensor {
  const data = Buffer.alloc(elementCount(shape) * bytesPerElement(datatype));
  for (let i = 0; i < data.length; i++) data[i] = Math.floor(random() * 256);
  return { name: 't', datatype, shape, data };
}

/** numpy's array_split sizes, dealt out one at a time so larger slices come first. */
function referenceSizes(length: number, parts: number): number[] {
  const sizes = Array.from({ length: parts }, () => 0);
  for (let i = 0; i < length; i++) sizes[i % parts]! += 1;
  return sizes.sort((x, y) => y - x);
}

/** Element-by-element slice `[start, start + size)` along `axis`, by multi-index arithmetic. */
function referenceSlice(t: Tensor, axis: number, start: number, size: number): Buffer {
  const width = bytesPerElement(t.datatype);
  const outShape = t.shape.map((d, i) => (i === axis ? size : d));
  const out = Buffer.alloc(elementCount(outShape) * width);
  const index = outShape.map(() => 0);
  for (let e = 0; e < elementCount(outShape); e++) {
    let rest = e;
    for (let i = outShape.length - 1; i >= 0; i--) {
      index[i] = rest % outShape[i]!;
      rest = Math.floor(rest / outShape[i]!);
    }
    let from = 0;
    for (let i = 0; i < t.shape.length; i++) from = from * t.shape[i]! + index[i]! + (i === axis ? start : 0);
    t.data.copy(out, e * width, from * width, (from + 1) * width);
  }
  return out;
}

void describe('splitSizes', () => {
  void test('matches numpy array_split on hand-checked cases', () => {
    assert.deepEqual(splitSizes(10, 3), [4, 3, 3]);
    assert.deepEqual(splitSizes(11, 3), [4, 4, 3]);
    assert.deepEqual(splitSizes(9, 3), [3, 3, 3]);
    assert.deepEqual(splitSizes(2, 3), [1, 1, 0]);
    assert.deepEqual(splitSizes(0, 2), [0, 0]);
    assert.deepEqual(splitSizes(7, 1), [7]);
  });

  void test('matches the reference for every length and part count up to 40 x 12', () => {
    for (let length = 0; length <= 40; length++) {
      for (let parts = 1; parts <= 12; parts++) {
        const sizes = splitSizes(length, parts);
        assert.deepEqual(sizes, referenceSizes(length, parts), `length ${length}, parts ${parts}`);
        assert.equal(
          sizes.reduce((n, s) => n + s, 0),
          length,
        );
      }
    }
  });

  void test('splitOffsets are the running sums of the sizes', () => {
    assert.deepEqual(splitOffsets(10, 3), [0, 4, 7]);
    assert.deepEqual(splitOffsets(2, 3), [0, 1, 2]);
    assert.deepEqual(splitOffsets(5, 1), [0]);
  });
});

void describe('splitTensor', () => {
  void test('axis 0 slices share the source memory and hold the right rows', () => {
    const t = randomTensor(prng(1), 'FP32', [5, 3]);
    const parts = splitTensor(t, 0, 2);
    assert.deepEqual(
      parts.map((p) => p.shape),
      [
        [3, 3],
        [2, 3],
      ],
    );
    assert.equal(parts[0]!.data.buffer, t.data.buffer);
    assert.equal(parts[1]!.data.byteOffset, t.data.byteOffset + 3 * 3 * 4);
    assert.deepEqual(parts[0]!.data, t.data.subarray(0, 36));
    assert.deepEqual(parts[1]!.data, t.data.subarray(36));
    assert.equal(parts[1]!.name, 't');
    assert.equal(parts[1]!.datatype, 'FP32');
  });

  void test('an inner axis of a 2-D INT32 tensor, by hand', () => {
    const data = Buffer.from(new Int32Array([0, 1, 2, 3, 4, 10, 11, 12, 13, 14]).buffer);
    const parts = splitTensor({ name: 'x', datatype: 'INT32', shape: [2, 5], data }, 1, 2);
    assert.deepEqual(
      parts.map((p) => p.shape),
      [
        [2, 3],
        [2, 2],
      ],
    );
    const ints = (b: Buffer): number[] => Array.from(new Int32Array(b.buffer, b.byteOffset, b.length / 4));
    assert.deepEqual(ints(parts[0]!.data), [0, 1, 2, 10, 11, 12]);
    assert.deepEqual(ints(parts[1]!.data), [3, 4, 13, 14]);
  });

  void test('negative axes resolve as numpy does', () => {
    const t = randomTensor(prng(2), 'UINT8', [2, 3, 4]);
    const byLast = splitTensor(t, -1, 3);
    const byTwo = splitTensor(t, 2, 3);
    assert.deepEqual(
      byLast.map((p) => [p.shape, p.data]),
      byTwo.map((p) => [p.shape, p.data]),
    );
  });

  void test('more parts than the axis is long gives empty trailing slices', () => {
    const t = randomTensor(prng(3), 'INT64', [2, 4]);
    const parts = splitTensor(t, 0, 4);
    assert.deepEqual(
      parts.map((p) => p.shape),
      [
        [1, 4],
        [1, 4],
        [0, 4],
        [0, 4],
      ],
    );
    assert.equal(parts[3]!.data.length, 0);
    const inner = splitTensor(t, 1, 6);
    assert.deepEqual(
      inner.map((p) => p.shape[1]),
      [1, 1, 1, 1, 0, 0],
    );
    assert.equal(inner[4]!.data.length, 0);
  });

  void test('an axis out of range is a RangeError', () => {
    const t = randomTensor(prng(4), 'FP32', [2, 2]);
    assert.throws(() => splitTensor(t, 2, 2), {
      name: 'RangeError',
      message: /axis 2 is out of range for rank 2/,
    });
    assert.throws(() => splitTensor(t, -3, 2), RangeError);
  });

  void test('every slice equals the element-wise reference, for random shapes, axes and dtypes', () => {
    const random = prng(5);
    const dtypes: Datatype[] = ['FP32', 'INT64', 'UINT8', 'INT16', 'FP64', 'BOOL'];
    for (let c = 0; c < 300; c++) {
      const rank = 1 + Math.floor(random() * 4);
      const shape = Array.from({ length: rank }, () => Math.floor(random() * 6));
      if (random() < 0.3) shape[0] = 1; // leading ones take the contiguous path for inner axes
      const datatype = dtypes[Math.floor(random() * dtypes.length)]!;
      const axis = Math.floor(random() * rank);
      const parts = 1 + Math.floor(random() * 5);
      const t = randomTensor(random, datatype, shape);
      const slices = splitTensor(t, random() < 0.5 ? axis : axis - rank, parts);
      const sizes = referenceSizes(shape[axis]!, parts);
      let start = 0;
      slices.forEach((slice, p) => {
        const why = `case ${c}: ${datatype} [${shape}] axis ${axis} part ${p}/${parts}`;
        assert.deepEqual(
          slice.shape,
          shape.map((d, i) => (i === axis ? sizes[p] : d)),
          why,
        );
        assert.deepEqual(slice.data, referenceSlice(t, axis, start, sizes[p]!), why);
        start += sizes[p]!;
      });
    }
  });
});
