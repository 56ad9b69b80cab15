import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { concatBytesTensors, decodeBytes, elementOffsets, encodeBytes, splitBytesTensor } from './bytes.js';
import { BytesConcatMerger } from './bytes-merge.js';
import { chunkRanges } from './chunks.js';
import { concatTensors } from './merge.js';
import { splitSizes, splitTensor } from './scatter.js';
import { elementCount, type Tensor } from './tensor.js';
import { mulberry32 } from '../random.js';

/** Elements of varied lengths (empty ones included), as text naming their position. */
function strings(random: () => number, count: number): string[] {
  return Array.from({ length: count }, (_, i) => (random() < 0.2 ? '' : `${i}:${'x'.repeat(random() * 9)}é`));
}

function bytesTensor(name: string, shape: number[], values: string[]): Tensor {
  return { name, datatype: 'BYTES', shape, data: encodeBytes(values) };
}

const text = (t: Tensor): string[] => decodeBytes(t.data, elementCount(t.shape)).map((b) => b.toString());

/** What numpy does: the elements of a row-major [..shape] array sliced along `axis`. */
function referenceSlice(
  values: string[],
  shape: number[],
  axis: number,
  from: number,
  size: number,
): string[] {
  const inner = elementCount(shape.slice(axis + 1));
  const outer = elementCount(shape.slice(0, axis));
  const out: string[] = [];
  for (let o = 0; o < outer; o++)
    out.push(...values.slice((o * shape[axis]! + from) * inner, (o * shape[axis]! + from + size) * inner));
  return out;
}

void describe('BYTES serialization', () => {
  test('encodes as 4-byte little-endian lengths, each followed by its bytes, and decodes back', () => {
    const data = encodeBytes(['ab', '', 'é']);
    assert.deepEqual([...data], [2, 0, 0, 0, 0x61, 0x62, 0, 0, 0, 0, 2, 0, 0, 0, 0xc3, 0xa9]);
    assert.deepEqual(elementOffsets(data, 3), [0, 6, 10, 16]);
    assert.deepEqual(
      decodeBytes(data, 3).map((b) => b.toString()),
      ['ab', '', 'é'],
    );
  });

  test('a prefix or element running past the end, or bytes left over, is refused with the element named', () => {
    const data = encodeBytes(['ab', 'cd']);
    assert.match(String(elementOffsets(data, 3)), /element 2's 4-byte length prefix runs past the end/);
    assert.match(
      String(elementOffsets(data.subarray(0, 11), 2)),
      /element 1's length prefix says 2 bytes, past the end/,
    );
    assert.match(String(elementOffsets(data, 1)), /6 bytes are left after the 1 elements/);
    const huge = Buffer.from([0xff, 0xff, 0xff, 0xff, 1]);
    assert.match(String(elementOffsets(huge, 1)), /says 4294967295 bytes/);
    assert.throws(() => decodeBytes(data, 3), RangeError);
  });
});

void describe('splitTensor and concatTensors on BYTES', () => {
  test('cut at element boundaries along any axis, as numpy slices; concat puts them back bitwise', () => {
    const random = mulberry32(31);
    for (let c = 0; c < 200; c++) {
      const rank = 1 + Math.floor(random() * 3);
      const shape = Array.from({ length: rank }, () => 1 + Math.floor(random() * 5));
      const axis = Math.floor(random() * rank);
      const n = 1 + Math.floor(random() * 4);
      const values = strings(random, elementCount(shape));
      const whole = bytesTensor('s', shape, values);
      const parts = splitTensor(whole, axis, n);
      const why = `case ${c}: [${shape}] axis ${axis} in ${n}`;
      let from = 0;
      splitSizes(shape[axis]!, n).forEach((size, p) => {
        assert.deepEqual(
          parts[p]!.shape,
          shape.map((d, i) => (i === axis ? size : d)),
          why,
        );
        assert.deepEqual(text(parts[p]!), referenceSlice(values, shape, axis, from, size), why);
        from += size;
      });
      const back = concatTensors(parts, axis);
      assert.deepEqual(back.shape, shape, why);
      assert.ok(back.data.equals(whole.data), why);
    }
  });

  test('along axis 0 each part is a view of whole rows; a batch smaller than N leaves empty parts', () => {
    const whole = bytesTensor('s', [3, 2], ['a', 'bb', 'ccc', '', 'e', 'ff']);
    const parts = splitBytesTensor(whole, 0, [2, 1, 0]);
    assert.deepEqual(parts.map(text), [['a', 'bb', 'ccc', ''], ['e', 'ff'], []]);
    assert.equal(parts[0]!.data.buffer, whole.data.buffer);
    assert.equal(parts[2]!.data.length, 0);
  });

  test('a tensor whose prefixes do not add up throws naming it', () => {
    const bad = { ...bytesTensor('names', [2], ['a', 'b']), shape: [3] };
    assert.throws(() => splitTensor(bad, 0, 2), { name: 'RangeError', message: /^names: element 2/ });
    assert.throws(() => concatBytesTensors('out', [bad], [3], 0), /^RangeError: out: partition 0: element 2/);
  });
});

void describe('BytesConcatMerger', () => {
  test('chunks cut inside elements, in any order, from partitions of varied sizes, merge to the unsplit tensor', () => {
    const random = mulberry32(5);
    for (let c = 0; c < 100; c++) {
      const shape = [1 + Math.floor(random() * 6), 1 + Math.floor(random() * 3)];
      const axis = c % 2;
      const whole = bytesTensor('out', shape, strings(random, elementCount(shape)));
      const parts = splitTensor(whole, axis, 1 + Math.floor(random() * 3));
      const merger = new BytesConcatMerger(
        'out',
        parts.map((p) => ({ ...p, byteLength: p.data.length })),
        axis,
      );
      const chunks = parts.flatMap((p, i) =>
        [...chunkRanges(p.data.length, 'BYTES', 1 + Math.floor(random() * 7))].map(
          ([at, n]) => [i, at, p.data.subarray(at, at + n)] as const,
        ),
      );
      for (let i = chunks.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [chunks[i], chunks[j]] = [chunks[j]!, chunks[i]!];
      }
      for (const [p, at, data] of chunks) merger.accept(p, at, data);
      const merged = merger.result();
      assert.deepEqual(merged.shape, shape, `case ${c}`);
      assert.ok(merged.data.equals(whole.data), `case ${c}`);
    }
  });

  test('a partition that sent too little, overlapping chunks, or malformed elements are RangeErrors naming it', () => {
    const part = bytesTensor('out', [1, 2], ['ab', 'c']);
    const spec = { ...part, byteLength: part.data.length };
    const merger = new BytesConcatMerger('out', [spec, spec], 0);
    merger.accept(0, 0, part.data);
    merger.accept(1, 0, part.data.subarray(0, 5));
    assert.throws(() => merger.result(), {
      name: 'RangeError',
      message: 'out: partition 1 did not send all its 11 bytes',
    });
    assert.throws(() => merger.accept(1, 4, part.data.subarray(4, 6)), {
      name: 'RangeError',
      message: /partition 1 chunk \[4, 6\) overlaps/,
    });
    merger.restart(1);
    const lying = Buffer.from(part.data);
    lying.writeUInt32LE(3, 6); // element 1 claims 3 bytes where 1 is left
    merger.accept(1, 0, lying);
    assert.throws(() => merger.result(), {
      name: 'RangeError',
      message: /^out: partition 1: element 1's length prefix says 3 bytes/,
    });
    merger.restart(1);
    merger.accept(1, 0, part.data);
    assert.deepEqual(text(merger.result()), ['ab', 'c', 'ab', 'c']);
  });
});

void test('chunkRanges cuts BYTES at any byte, up to chunkBytes, covering the tensor once', () => {
  assert.deepEqual(
    [...chunkRanges(10, 'BYTES', 4)],
    [
      [0, 4],
      [4, 4],
      [8, 2],
    ],
  );
});
