import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bytesPerElement, type Datatype } from './dtype.js';
import { ConcatMerger, SumMerger, concatShape, concatTensors, sumTensors } from './merge.js';
import { splitTensor } from './scatter.js';
import { elementCount, type Tensor } from './tensor.js';
import { mulberry32 } from '../random.js';

const prng = mulberry32;

function randomTensor(random: () => number, datatype: Datatype, shape: number[]): Tensor {
  const data = Buffer.alloc(elementCount(shape) * bytesPerElement(datatype));
  for (let i = 0; i < data.length; i++) data[i] = Math.floor(random() * 256);
  return { name: 't', datatype, shape, data };
}

function shuffle<T>(random: () => number, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

interface Chunk {
  partition: number;
  offset: number;
  data: Uint8Array;
}

/** Every partition's bytes as chunks of 1..maxBytes bytes, cut anywhere, all shuffled together. */
function scatteredChunks(random: () => number, parts: readonly Tensor[], maxBytes: number): Chunk[] {
  const chunks: Chunk[] = [];
  parts.forEach((part, partition) => {
    for (let offset = 0; offset < part.data.length;) {
      const take = Math.min(1 + Math.floor(random() * maxBytes), part.data.length - offset);
      chunks.push({ partition, offset, data: part.data.subarray(offset, offset + take) });
      offset += take;
    }
  });
  return shuffle(random, chunks);
}

const f32 = (t: Tensor): number[] =>
  Array.from(new Float32Array(t.data.buffer, t.data.byteOffset, t.data.length / 4));
const f32Buffer = (values: number[]): Buffer => Buffer.from(new Float32Array(values).buffer);
const i64Buffer = (values: bigint[]): Buffer => Buffer.from(new BigInt64Array(values).buffer);

void describe('concatShape', () => {
  void test('adds up the concat axis and keeps the rest', () => {
    assert.deepEqual(
      concatShape(
        'y',
        [
          [2, 3, 4],
          [2, 5, 4],
        ],
        1,
      ),
      [2, 8, 4],
    );
    assert.deepEqual(
      concatShape(
        'y',
        [
          [2, 3],
          [2, 1],
        ],
        -1,
      ),
      [2, 4],
    );
  });

  void test('a mismatching dim or rank is a RangeError naming the tensor and partition', () => {
    assert.throws(
      () =>
        concatShape(
          'logits',
          [
            [2, 3],
            [3, 3],
          ],
          1,
        ),
      { name: 'RangeError', message: /^logits: partition 1 has shape \[3,3\]/ },
    );
    assert.throws(() => concatShape('logits', [[2, 3], [2]], 0), { message: /logits: partition 1/ });
  });
});

void describe('ConcatMerger', () => {
  void test('a 2-D concat along axis 1 by hand, chunks crossing rows, arriving last partition first', () => {
    // Partition 0: [[1,2],[3,4]]; partition 1: [[5],[6]] -> [[1,2,5],[3,4,6]].
    const merger = new ConcatMerger(
      'y',
      'FP32',
      [
        [2, 2],
        [2, 1],
      ],
      1,
    );
    assert.deepEqual(merger.spec, { name: 'y', datatype: 'FP32', shape: [2, 3] });
    const p0 = f32Buffer([1, 2, 3, 4]);
    merger.accept(1, 0, f32Buffer([5, 6]));
    merger.accept(0, 6, p0.subarray(6)); // from the middle of element 1 of row 0 into row 1
    merger.accept(0, 0, p0.subarray(0, 6));
    assert.deepEqual(f32(merger.result()), [1, 2, 5, 3, 4, 6]);
  });

  for (const axis of [0, 1, 2, -1]) {
    void test(`3-D tensors along axis ${axis}: random uneven partitions, random chunk sizes, random order`, () => {
      const random = prng(100 + axis);
      for (let c = 0; c < 60; c++) {
        const shape = [
          1 + Math.floor(random() * 5),
          1 + Math.floor(random() * 6),
          1 + Math.floor(random() * 7),
        ];
        const datatype = (['FP32', 'INT64', 'UINT8', 'FP16'] as const)[c % 4]!;
        const whole = randomTensor(random, datatype, shape);
        const n = 1 + Math.floor(random() * 4);
        const parts = splitTensor(whole, axis, n);
        const merger = new ConcatMerger(
          't',
          datatype,
          parts.map((p) => p.shape),
          axis,
        );
        assert.deepEqual(merger.spec.shape, shape);
        const rowBytes = whole.data.length / shape[0]!;
        for (const chunk of scatteredChunks(random, parts, Math.max(1, Math.floor(rowBytes * 1.5)))) {
          merger.accept(chunk.partition, chunk.offset, chunk.data);
        }
        const merged = merger.result();
        assert.deepEqual(merged.shape, shape);
        assert.equal(merged.datatype, datatype);
        assert.ok(merged.data.equals(whole.data), `case ${c}: [${shape}] ${datatype} axis ${axis} in ${n}`);
      }
    });
  }

  void test('a whole partition in one chunk spanning many rows lands row by row', () => {
    const whole = randomTensor(prng(7), 'INT16', [4, 5, 3]);
    const parts = splitTensor(whole, 1, 3); // widths 2, 2, 1
    const merger = new ConcatMerger(
      't',
      'INT16',
      parts.map((p) => p.shape),
      1,
    );
    for (const p of [2, 0, 1]) merger.accept(p, 0, parts[p]!.data);
    assert.ok(merger.result().data.equals(whole.data));
  });
});

void describe('ConcatMerger.writtenPrefix: the bytes a response may send before the rest arrives', () => {
  for (const axis of [0, 1, 2]) {
    void test(`axis ${axis}: each partition in order, partitions interleaved at random: exactly the first unwritten byte, and those bytes final`, () => {
      const random = prng(300 + axis);
      for (let c = 0; c < 40; c++) {
        const shape = [
          1 + Math.floor(random() * 4),
          1 + Math.floor(random() * 5),
          1 + Math.floor(random() * 6),
        ];
        const whole = randomTensor(random, 'FP32', shape);
        const parts = splitTensor(whole, axis, 1 + Math.floor(random() * 4));
        const merger = new ConcatMerger(
          't',
          'FP32',
          parts.map((p) => p.shape),
          axis,
        );
        // Where each partition's bytes land, to find the first destination byte not yet written.
        const inner = (whole.data.length / elementCount(shape)) * elementCount(shape.slice(axis + 1));
        const destRow = shape[axis]! * inner;
        const starts = parts.map((_, p) => parts.slice(0, p).reduce((n, q) => n + q.shape[axis]! * inner, 0));
        const written = new Uint8Array(whole.data.length);
        const sent = parts.map(() => 0);
        while (sent.some((n, p) => n < parts[p]!.data.length)) {
          const open = parts.flatMap((part, p) => (sent[p]! < part.data.length ? [p] : []));
          const p = open[Math.floor(random() * open.length)]!;
          const row = parts[p]!.shape[axis]! * inner;
          const take = Math.min(1 + Math.floor(random() * 9), parts[p]!.data.length - sent[p]!);
          merger.accept(p, sent[p]!, parts[p]!.data.subarray(sent[p]!, sent[p]! + take));
          for (let o = sent[p]!; o < sent[p]! + take; o++)
            written[Math.floor(o / row) * destRow + starts[p]! + (o % row)] = 1;
          sent[p]! += take;
          const firstUnwritten = written.indexOf(0);
          const prefix = merger.writtenPrefix();
          assert.equal(prefix, firstUnwritten < 0 ? whole.data.length : firstUnwritten, `case ${c}`);
          assert.ok(merger.destination.subarray(0, prefix).equals(whole.data.subarray(0, prefix)));
        }
      }
    });
  }

  void test('chunks out of order count from where their partition is contiguous; a restart takes the partition back to 0', () => {
    // [2, 2] ++ [2, 1] along axis 1, FP32: destination rows of 12 bytes, partition 0's 8, partition 1's 4.
    const merger = new ConcatMerger(
      'y',
      'FP32',
      [
        [2, 2],
        [2, 1],
      ],
      1,
    );
    const p0 = f32Buffer([1, 2, 3, 4]);
    merger.accept(0, 8, p0.subarray(8)); // partition 0's second row first: nothing from byte 0 yet
    assert.equal(merger.writtenPrefix(), 0);
    merger.accept(0, 0, p0.subarray(0, 8));
    assert.equal(merger.writtenPrefix(), 8); // row 0 waits for partition 1's element
    merger.accept(1, 0, f32Buffer([5]));
    assert.equal(merger.writtenPrefix(), 20); // row 0 whole, and partition 0's part of row 1
    merger.restart(1);
    assert.equal(merger.writtenPrefix(), 8);
    merger.accept(1, 0, f32Buffer([5, 6]));
    assert.equal(merger.writtenPrefix(), 24);
    assert.deepEqual(f32(merger.result()), [1, 2, 5, 3, 4, 6]);
  });
});

void describe('SumMerger', () => {
  void test('FP32: two partitions add element-wise in any chunk order, rounding as float32', () => {
    const random = prng(11);
    const n = 37;
    const a = Array.from({ length: n }, () => (random() - 0.5) * 1e3);
    const b = Array.from({ length: n }, () => (random() - 0.5) * 1e-2);
    const merger = new SumMerger('h', 'FP32', [[n], [n]]);
    const parts = [f32Buffer(a), f32Buffer(b)];
    const chunks: Chunk[] = [];
    parts.forEach((data, partition) => {
      for (let offset = 0; offset < data.length; offset += 12) {
        chunks.push({ partition, offset, data: data.subarray(offset, offset + 12) });
      }
    });
    for (const c of shuffle(random, chunks)) merger.accept(c.partition, c.offset, c.data);
    const expected = a.map((x, i) => Math.fround(Math.fround(x) + Math.fround(b[i]!)));
    assert.deepEqual(f32(merger.result()), expected);
    assert.deepEqual(merger.spec, { name: 'h', datatype: 'FP32', shape: [n] });
  });

  void test('INT64: exact sums beyond 2^53, negatives included', () => {
    const a = [2n ** 60n, -5n, 0n, 9007199254740993n];
    const b = [3n, -7n, -(2n ** 62n), 1n];
    const c = [1n, 1n, 1n, 1n];
    const merged = sumTensors([
      { name: 'n', datatype: 'INT64', shape: [2, 2], data: i64Buffer(a) },
      { name: 'n', datatype: 'INT64', shape: [2, 2], data: i64Buffer(b) },
      { name: 'n', datatype: 'INT64', shape: [2, 2], data: i64Buffer(c) },
    ]);
    assert.deepEqual(merged.shape, [2, 2]);
    assert.deepEqual(Array.from(new BigInt64Array(merged.data.buffer, merged.data.byteOffset, 4)), [
      2n ** 60n + 4n,
      -11n,
      -(2n ** 62n) + 1n,
      9007199254740995n,
    ]);
  });

  void test('mean of FP32 divides by the partition count', () => {
    const merged = sumTensors(
      [
        { name: 'm', datatype: 'FP32', shape: [3], data: f32Buffer([1, 2, -3]) },
        { name: 'm', datatype: 'FP32', shape: [3], data: f32Buffer([2, 2, 0]) },
        { name: 'm', datatype: 'FP32', shape: [3], data: f32Buffer([3, 5, 1.5]) },
      ],
      true,
    );
    assert.deepEqual(f32(merged), [2, 3, -0.5]);
  });

  void test('mean: a second result() gives the same means, not the means divided again', () => {
    const merger = new SumMerger('m', 'FP64', [[2], [2]], true);
    merger.accept(0, 0, Buffer.from(new Float64Array([1, 8]).buffer));
    merger.accept(1, 0, Buffer.from(new Float64Array([3, -2]).buffer));
    const f64 = (t: { data: Buffer }): number[] =>
      Array.from(new Float64Array(t.data.buffer, t.data.byteOffset, t.data.length / 8));
    const first = f64(merger.result());
    assert.deepEqual(first, [2, 3]);
    assert.deepEqual(f64(merger.result()), first);
  });

  void test('chunks whose bytes sit at an unaligned address still add correctly', () => {
    const merger = new SumMerger('h', 'FP32', [[2], [2]]);
    const odd = Buffer.alloc(9);
    f32Buffer([1.5, 2.5]).copy(odd, 1);
    merger.accept(0, 0, odd.subarray(1));
    merger.accept(1, 0, f32Buffer([0.25, 0.5]));
    assert.deepEqual(f32(merger.result()), [1.75, 3]);
  });

  void test('refuses unequal shapes, mean of integers, sums of FP16 or BOOL, and chunks that split an element or end past the tensor', () => {
    assert.throws(
      () =>
        new SumMerger('h', 'FP32', [
          [2, 3],
          [3, 2],
        ]),
      {
        name: 'RangeError',
        message: /^h: partition 1 has shape \[3,2\]/,
      },
    );
    assert.throws(() => new SumMerger('h', 'INT64', [[2], [2]], true), {
      name: 'TypeError',
      message: /^h: mean/,
    });
    for (const datatype of ['FP16', 'BOOL'] as const) {
      assert.throws(() => new SumMerger('h', datatype, [[2], [2]]), {
        name: 'TypeError',
        message: `h: cannot add ${datatype} tensors`,
      });
    }
    const merger = new SumMerger('h', 'FP32', [[4], [4]]);
    assert.throws(() => merger.accept(0, 2, Buffer.alloc(4)), {
      message: /h: chunk at byte 2 \(4 bytes\) splits an element/,
    });
    assert.throws(() => merger.accept(0, 0, Buffer.alloc(6)), RangeError);
    assert.throws(() => merger.accept(0, 12, Buffer.alloc(8)), {
      name: 'RangeError',
      message: "h: chunk at byte 12 (8 bytes) ends past the tensor's 16 bytes",
    });
  });
});

void describe('concatTensors(splitTensor(t, axis, n), axis)', () => {
  void test('round-trips bitwise for many random shapes, axes, part counts and dtypes', () => {
    const random = prng(2024);
    const dtypes: Datatype[] = ['FP32', 'FP64', 'INT64', 'INT32', 'UINT8', 'BOOL', 'FP16'];
    for (let c = 0; c < 500; c++) {
      const rank = 1 + Math.floor(random() * 4);
      const shape = Array.from({ length: rank }, () => 1 + Math.floor(random() * 6));
      const axis = Math.floor(random() * rank) - (random() < 0.5 ? rank : 0);
      const n = 1 + Math.floor(random() * 6);
      const datatype = dtypes[Math.floor(random() * dtypes.length)]!;
      const t = randomTensor(random, datatype, shape);
      const back = concatTensors(splitTensor(t, axis, n), axis);
      const why = `case ${c}: ${datatype} [${shape}] axis ${axis} in ${n}`;
      assert.deepEqual(back.shape, shape, why);
      assert.equal(back.datatype, datatype, why);
      assert.ok(back.data.equals(t.data), why);
    }
  });
});

void describe('ConcatMerger counts what each partition sent', () => {
  const two = (): ConcatMerger =>
    new ConcatMerger(
      'y',
      'FP32',
      [
        [2, 2],
        [2, 1],
      ],
      1,
    );

  void test('result() refuses a tensor a partition did not send in full, naming it', () => {
    const merger = two();
    merger.accept(0, 0, f32Buffer([1, 2, 3, 4]));
    merger.accept(1, 0, f32Buffer([5]));
    assert.throws(() => merger.result(), /partition 1 sent 4 bytes of its 8/);
  });

  void test('restart: a retried partition rewrites its region and counts afresh', () => {
    const merger = two();
    merger.accept(0, 0, f32Buffer([1, 2, 3, 4]));
    merger.accept(1, 0, f32Buffer([9])); // the failed attempt's first chunk
    merger.restart(1);
    merger.accept(1, 0, f32Buffer([5, 6]));
    assert.deepEqual(f32(merger.result()), [1, 2, 5, 3, 4, 6]);
  });

  void test('a chunk past the partition end is refused before it is written', () => {
    const merger = two();
    assert.throws(() => merger.accept(1, 4, f32Buffer([7, 8])), /ends past its 8 bytes/);
  });
});

void test('ConcatMerger refuses a repeated chunk, so a reused buffer never keeps bytes it was not sent', () => {
  const merger = new ConcatMerger('y', 'UINT8', [[4], [4]], 0);
  merger.accept(0, 0, Buffer.from([1, 2]));
  // Partition 0 sends its first two bytes twice: 4 bytes counted, bytes 2..3 never written.
  assert.throws(() => merger.accept(0, 0, Buffer.from([1, 2])), /partition 0 chunk \[0, 2\) overlaps/);
  merger.accept(0, 2, Buffer.from([3, 4]));
  merger.accept(1, 0, Buffer.from([5, 6, 7, 8]));
  assert.deepEqual([...merger.result().data], [1, 2, 3, 4, 5, 6, 7, 8]);
});
