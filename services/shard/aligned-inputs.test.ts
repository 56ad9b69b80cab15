import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AlignedInputs } from './aligned-inputs.js';

/** `length` bytes 0, 1, 2, … at byte offset 1 of their memory: misaligned for any wider type. */
const misaligned = (length: number): Uint8Array =>
  Uint8Array.from({ length: length + 1 }, (_, i) => (i + 255) % 256).subarray(1);

void test('aligned bytes pass as they are; misaligned ones are copied to offset 0 of kept memory', () => {
  const inputs = new AlignedInputs();
  const taken: Uint8Array[] = [];
  const aligned = new Uint8Array(new ArrayBuffer(16), 4, 8);
  assert.equal(inputs.align('FP32', aligned, taken), aligned);
  assert.equal(inputs.align('UINT8', misaligned(8), taken).byteOffset % 8, 1, 'bytes need no alignment');
  const bytes = misaligned(8);
  const copy = inputs.align('FP64', bytes, taken);
  assert.equal(copy.byteOffset, 0);
  assert.deepEqual([...copy], [...bytes]);
  assert.equal(taken.length, 1);
  assert.equal(inputs.keptBytes, 0, 'nothing kept while the run holds it');
  inputs.giveBack(taken);
  assert.equal(inputs.keptBytes, 8);
});

void test('a run takes the smallest kept buffer that fits; two runs never share one', () => {
  const inputs = new AlignedInputs();
  const first: Uint8Array[] = [];
  inputs.align('FP32', misaligned(400), first);
  inputs.align('FP32', misaligned(40), first);
  inputs.giveBack(first);
  const second: Uint8Array[] = [];
  const small = inputs.align('FP32', misaligned(32), second);
  assert.equal(small.buffer, first[1]!.buffer, 'the 40-byte buffer, not the 400-byte one');
  const third: Uint8Array[] = [];
  const other = inputs.align('FP32', misaligned(32), third);
  assert.equal(other.buffer, first[0]!.buffer, 'the only one left');
  const fourth: Uint8Array[] = [];
  assert.ok(
    ![first[0]!.buffer, first[1]!.buffer].includes(inputs.align('FP32', misaligned(32), fourth).buffer),
  );
});

void test('at most `keep` buffers of at most `maxBytes` wait between runs, the largest kept', () => {
  const inputs = new AlignedInputs(2, 100);
  const taken: Uint8Array[] = [];
  for (const n of [8, 40, 16, 400]) inputs.align('FP32', misaligned(n), taken);
  inputs.giveBack(taken);
  assert.equal(inputs.keptBytes, 40 + 16, 'the 400-byte one is over maxBytes, the 8-byte one the smallest');
  inputs.clear();
  assert.equal(inputs.keptBytes, 0);
});
