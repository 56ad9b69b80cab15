import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ChunkAssembler, DEFAULT_CHUNK_BYTES, chunkRanges } from './chunks.js';
import { bytesPerElement, type Datatype } from './dtype.js';
import { mulberry32 } from '../random.js';

const prng = mulberry32;

void describe('chunkRanges', () => {
  void test('cuts at whole elements, at most chunkBytes each, covering the tensor exactly once', () => {
    const dtypes: Datatype[] = ['BOOL', 'INT16', 'FP32', 'INT64'];
    for (const datatype of dtypes) {
      const width = bytesPerElement(datatype);
      for (const elements of [0, 1, 2, 7, 16, 100]) {
        for (const chunkBytes of [1, 3, 4, 8, 9, 15, 16, 64, 1000]) {
          const byteLength = elements * width;
          const runs = [...chunkRanges(byteLength, datatype, chunkBytes)];
          const why = `${datatype} x ${elements}, chunkBytes ${chunkBytes}`;
          let next = 0;
          for (const [offset, bytes] of runs) {
            assert.equal(offset, next, why);
            assert.ok(bytes > 0, why);
            assert.equal(offset % width, 0, why);
            assert.equal(bytes % width, 0, why);
            // A chunk holds at least one element, even when an element is wider than chunkBytes.
            assert.ok(bytes <= Math.max(chunkBytes, width), why);
            next = offset + bytes;
          }
          assert.equal(next, byteLength, why);
          if (chunkBytes >= width && byteLength > 0) {
            const perChunk = chunkBytes - (chunkBytes % width);
            assert.equal(runs.length, Math.ceil(byteLength / perChunk), why);
          }
        }
      }
    }
  });

  void test('by hand: 10 FP32 elements in chunks of 15 bytes are runs of 12, 12, 12, 4', () => {
    assert.deepEqual(
      [...chunkRanges(40, 'FP32', 15)],
      [
        [0, 12],
        [12, 12],
        [24, 12],
        [36, 4],
      ],
    );
    assert.deepEqual(
      [...chunkRanges(16, 'INT64', 3)],
      [
        [0, 8],
        [8, 8],
      ],
    );
    assert.deepEqual([...chunkRanges(0, 'FP32', 64)], []);
  });

  void test('the default chunk is 1 MiB', () => {
    assert.equal(DEFAULT_CHUNK_BYTES, 1048576);
  });
});

void describe('ChunkAssembler', () => {
  void test('completes once every byte arrived, in any order, and holds them in place', () => {
    const assembler = new ChunkAssembler(10);
    assert.equal(assembler.complete, false);
    assert.equal(assembler.accept(6, Buffer.from([6, 7, 8, 9])), undefined);
    assert.equal(assembler.complete, false);
    assert.equal(assembler.accept(0, Buffer.from([0, 1, 2])), undefined);
    assert.equal(assembler.complete, false);
    assert.equal(assembler.accept(3, Buffer.from([3, 4, 5])), undefined);
    assert.equal(assembler.complete, true);
    assert.deepEqual([...assembler.data], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  void test('a zero-byte tensor is complete at once', () => {
    const assembler = new ChunkAssembler(0);
    assert.equal(assembler.complete, true);
    assert.equal(assembler.data.length, 0);
  });

  void test('refuses chunks outside the tensor, naming the range', () => {
    const assembler = new ChunkAssembler(8);
    assert.equal(assembler.accept(6, Buffer.alloc(4)), "chunk [6, 10) is outside the tensor's 8 bytes");
    assert.equal(assembler.accept(-1, Buffer.alloc(2)), "chunk [-1, 1) is outside the tensor's 8 bytes");
    assert.equal(assembler.accept(9, Buffer.alloc(0)), "chunk [9, 9) is outside the tensor's 8 bytes");
    assert.equal(assembler.complete, false);
    assert.equal(assembler.accept(0, Buffer.alloc(8, 1)), undefined);
    assert.equal(assembler.complete, true);
  });

  void test('refuses an overlapping or repeated chunk, so half the bytes can never count as all', () => {
    const assembler = new ChunkAssembler(8);
    assert.equal(assembler.accept(0, Buffer.from([1, 2, 3, 4])), undefined);
    assert.match(assembler.accept(0, Buffer.from([1, 2, 3, 4])) ?? '', /overlaps/);
    assert.equal(assembler.complete, false);
    assert.match(assembler.accept(2, Buffer.from([9, 9, 9, 9])) ?? '', /overlaps/);
    assert.equal(assembler.complete, false);
    assert.equal(assembler.accept(4, Buffer.from([5, 6, 7, 8])), undefined);
    assert.equal(assembler.complete, true);
    assert.deepEqual([...assembler.data], [1, 2, 3, 4, 5, 6, 7, 8]);
  });

  void test('many small chunks in shuffled order complete exactly at the last one', () => {
    const length = 257;
    const order = Array.from({ length }, (_, i) => (i * 101) % length); // 101 is coprime with 257
    const assembler = new ChunkAssembler(length);
    order.forEach((at, i) => {
      assert.equal(assembler.accept(at, Buffer.from([at & 0xff])), undefined);
      assert.equal(assembler.complete, i === length - 1);
    });
    assert.deepEqual(
      [...assembler.data],
      Array.from({ length }, (_, i) => i & 0xff),
    );
  });

  void test('random chunks in random order, with re-sent overlapping runs mixed in: only fresh bytes count', () => {
    const random = prng(9);
    for (let c = 0; c < 200; c++) {
      const length = 1 + Math.floor(random() * 300);
      const runs: [number, number][] = [];
      for (let at = 0; at < length;) {
        const take = Math.min(1 + Math.floor(random() * 40), length - at);
        runs.push([at, take]);
        at += take;
      }
      for (let i = runs.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [runs[i], runs[j]] = [runs[j]!, runs[i]!];
      }
      const expected = Buffer.from(Array.from({ length }, (_, i) => (i * 7 + c) & 0xff));
      const assembler = new ChunkAssembler(length);
      const taken: [number, number][] = [];
      runs.forEach(([at, take], i) => {
        if (taken.length > 0 && random() < 0.5) {
          // A run that overlaps one already received, by at least one byte.
          const [s, n] = taken[Math.floor(random() * taken.length)]!;
          const from = Math.max(0, s - Math.floor(random() * 5));
          const to = Math.min(length, s + n + Math.floor(random() * 5));
          const overlapStart = Math.min(to - 1, Math.max(from, s + Math.floor(random() * n)));
          const bad = Buffer.alloc(to - overlapStart, 0xee);
          assert.match(
            assembler.accept(overlapStart, bad) ?? '',
            /overlaps bytes already received/,
            `case ${c}`,
          );
        }
        assert.equal(assembler.accept(at, expected.subarray(at, at + take)), undefined, `case ${c}`);
        taken.push([at, take]);
        assert.equal(assembler.complete, i === runs.length - 1, `case ${c}`);
      });
      assert.ok(assembler.data.equals(expected), `case ${c}`);
    }
  });
});
