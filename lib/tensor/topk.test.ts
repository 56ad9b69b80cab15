import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { splitSizes } from './scatter.js';
import type { Tensor } from './tensor.js';
import { mergeTopk, type TopkMerge } from './topk.js';
import { mulberry32 } from '../random.js';

const prng = mulberry32;

/** Top k of one row, larger value first, then lower index: what the unsplit model returns. */
function topkOfRow(row: readonly number[], k: number): { value: number; index: number }[] {
  return row
    .map((value, index) => ({ value, index }))
    .sort((a, b) => b.value - a.value || a.index - b.index)
    .slice(0, k);
}

interface Case {
  merge: TopkMerge;
  values: Tensor[];
  indices: Tensor[];
}

/**
 * Splits rows of `width` columns into `widths.length` column ranges and gives each partition's local
 * top-min(k, width) with local indices, as a partition's TopK node would.
 */
function partitioned(
  rows: readonly number[][],
  outerShape: number[],
  widths: number[],
  k: number,
  fp64 = false,
): Case {
  const offsets: number[] = [];
  widths.reduce((at, w) => (offsets.push(at), at + w), 0);
  const values: Tensor[] = [];
  const indices: Tensor[] = [];
  widths.forEach((w, p) => {
    const local = Math.min(k, w);
    const vals: number[] = [];
    const idxs: bigint[] = [];
    for (const row of rows) {
      for (const { value, index } of topkOfRow(row.slice(offsets[p], offsets[p]! + w), local)) {
        vals.push(value);
        idxs.push(BigInt(index));
      }
    }
    const shape = [...outerShape, local];
    const data = fp64 ? new Float64Array(vals) : new Float32Array(vals);
    values.push({ name: 'scores', datatype: fp64 ? 'FP64' : 'FP32', shape, data: Buffer.from(data.buffer) });
    indices.push({
      name: 'ids',
      datatype: 'INT64',
      shape,
      data: Buffer.from(new BigInt64Array(idxs).buffer),
    });
  });
  return { merge: { k, columnOffsets: offsets }, values, indices };
}

function readValues(t: Tensor): number[] {
  const { buffer, byteOffset, length } = t.data;
  if (t.datatype === 'FP64') return Array.from(new Float64Array(buffer, byteOffset, length / 8));
  return Array.from(new Float32Array(buffer, byteOffset, length / 4));
}
const readIndices = (t: Tensor): number[] =>
  Array.from(new BigInt64Array(t.data.buffer, t.data.byteOffset, t.data.length / 8), Number);

void describe('mergeTopk', () => {
  void test('by hand: ties across partitions go to the lower global index', () => {
    // One row of 6 columns: [5, 9, 9 | 9, 1, 5]; partitions of 3 columns each, k = 4.
    const c = partitioned([[5, 9, 9, 9, 1, 5]], [1], [3, 3], 4);
    const [values, indices] = mergeTopk(c.merge, c.values, c.indices);
    assert.deepEqual(values.shape, [1, 4]);
    assert.equal(values.name, 'scores');
    assert.equal(values.datatype, 'FP32');
    assert.deepEqual(readValues(values), [9, 9, 9, 5]);
    assert.deepEqual(readIndices(indices), [1, 2, 3, 0]);
    assert.deepEqual(indices.shape, [1, 4]);
    assert.equal(indices.name, 'ids');
    assert.equal(indices.datatype, 'INT64');
  });

  void test('a 1-D row: the local indices of each partition are offset by its first column', () => {
    const c = partitioned([[3, 7, 7, 3]], [], [2, 2], 3);
    const [values, indices] = mergeTopk(c.merge, c.values, c.indices);
    assert.deepEqual(values.shape, [3]);
    assert.deepEqual(readValues(values), [7, 7, 3]);
    assert.deepEqual(readIndices(indices), [1, 2, 0]);
  });

  void test('equals the global top-k of random rows with many ties, over uneven partitions', () => {
    const random = prng(42);
    for (let c = 0; c < 300; c++) {
      const width = 1 + Math.floor(random() * 40);
      const parts = 1 + Math.floor(random() * Math.min(6, width));
      // Mostly splitSizes' near-equal widths; sometimes lopsided ones, so k exceeds some widths.
      const widths = random() < 0.5 ? splitSizes(width, parts) : lopsided(random, width, parts);
      const k = 1 + Math.floor(random() * (width + 3));
      const outer = random() < 0.5 ? [1 + Math.floor(random() * 4)] : [2, 1 + Math.floor(random() * 3)];
      const rowCount = outer.reduce((n, d) => n * d, 1);
      // Values from a tiny set, so ties inside and across partitions are the rule.
      const pool = [-1.5, 0, 0.25, 2, 2, 7];
      const rows = Array.from({ length: rowCount }, () =>
        Array.from({ length: width }, () => pool[Math.floor(random() * pool.length)]!),
      );
      const fp64 = c % 3 === 0;
      const input = partitioned(rows, outer, widths, k, fp64);
      const [values, indices] = mergeTopk(input.merge, input.values, input.indices);
      const kept = Math.min(k, width);
      const why = `case ${c}: widths [${widths}], k ${k}, outer [${outer}]`;
      assert.deepEqual(values.shape, [...outer, kept], why);
      assert.deepEqual(indices.shape, [...outer, kept], why);
      assert.equal(values.datatype, fp64 ? 'FP64' : 'FP32', why);
      const expected = rows.map((row) => topkOfRow(row, kept));
      assert.deepEqual(
        readValues(values),
        expected.flat().map((e) => e.value),
        why,
      );
      assert.deepEqual(
        readIndices(indices),
        expected.flat().map((e) => e.index),
        why,
      );
    }
  });

  void test('reads partition buffers at unaligned addresses', () => {
    const c = partitioned(
      [
        [1, 4, 2, 8],
        [6, 5, 3, 0],
      ],
      [2],
      [2, 2],
      2,
    );
    const unaligned = (t: Tensor): Tensor => {
      const b = Buffer.alloc(t.data.length + 3);
      t.data.copy(b, 3);
      return { ...t, data: b.subarray(3) };
    };
    const [values, indices] = mergeTopk(c.merge, c.values.map(unaligned), c.indices.map(unaligned));
    assert.deepEqual(readValues(values), [8, 4, 6, 5]);
    assert.deepEqual(readIndices(indices), [3, 1, 0, 1]);
  });

  void test('refuses values that are not floats and indices that are not INT64, naming the tensor', () => {
    const c = partitioned([[1, 2]], [1], [1, 1], 1);
    const intValues = c.values.map((t) => ({ ...t, datatype: 'INT32' as const }));
    assert.throws(() => mergeTopk(c.merge, intValues, c.indices), {
      name: 'TypeError',
      message: /^scores: top-k values must be FP32 or FP64, not INT32/,
    });
    const intIndices = c.indices.map((t) => ({ ...t, datatype: 'INT32' as const }));
    assert.throws(() => mergeTopk(c.merge, c.values, intIndices), {
      name: 'TypeError',
      message: /^ids: top-k indices must be INT64, not INT32/,
    });
  });
});

/** Column widths summing to `width`, one partition taking most: some are narrower than k. */
function lopsided(random: () => number, width: number, parts: number): number[] {
  const widths = Array.from({ length: parts }, () => 1);
  for (let left = width - parts; left > 0; left--)
    widths[random() < 0.7 ? 0 : Math.floor(random() * parts)]! += 1;
  return widths;
}
