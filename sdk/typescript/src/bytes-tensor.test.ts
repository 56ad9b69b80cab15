import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bytesToStrings, decodeBytesElements, encodeBytesElements } from './bytes-tensor.js';

describe('BYTES elements', () => {
  test('each element is a 4-byte little-endian length and its bytes; strings are UTF-8', () => {
    const raw = encodeBytesElements(['ab', '', 'é', Uint8Array.from([0, 255])]);
    assert.deepEqual(
      [...raw],
      [2, 0, 0, 0, 0x61, 0x62, 0, 0, 0, 0, 2, 0, 0, 0, 0xc3, 0xa9, 2, 0, 0, 0, 0, 255],
    );
    const back = decodeBytesElements(raw, 4);
    assert.deepEqual(bytesToStrings(back.slice(0, 3)), ['ab', '', 'é']);
    assert.deepEqual([...back[3]!], [0, 255]);
  });

  test('a length of 256 or more uses the higher bytes', () => {
    const long = 'x'.repeat(300);
    const raw = encodeBytesElements([long]);
    assert.deepEqual([...raw.subarray(0, 4)], [44, 1, 0, 0]);
    assert.deepEqual(bytesToStrings(decodeBytesElements(raw)), [long]);
  });

  test('cut-off lengths, overlong elements and a wrong count are refused, naming the element', () => {
    assert.throws(
      () => decodeBytesElements(Uint8Array.from([1, 0, 0, 0, 9, 3, 0])),
      /element 1: its 4-byte length is cut off/,
    );
    assert.throws(
      () => decodeBytesElements(Uint8Array.from([5, 0, 0, 0, 1])),
      /element 0: length 5 runs past the end of 5 bytes/,
    );
    assert.throws(
      () => decodeBytesElements(encodeBytesElements(['a', 'b']), 3),
      /holds 2 elements where its shape says 3/,
    );
  });
});
