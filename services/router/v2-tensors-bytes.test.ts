import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { status as Status } from '@grpc/grpc-js';
import type { Plan } from '../../lib/plan/schema.js';
import { ServiceError } from '../../lib/grpc/service-error.js';
import { encodeBytes } from '../../lib/tensor/bytes.js';
import { decodeInputs, type WireInputTensor } from './v2-tensors.js';

/** Triton's simple_string: two BYTES inputs of [batch, 16]. */
const plan: Plan = {
  name: 'simple_string',
  version: '1',
  maxBatchSize: 8,
  maxRequestBytes: 4096,
  inputs: [
    { name: 'INPUT0', datatype: 'BYTES', shape: [-1, 4] },
    { name: 'INPUT1', datatype: 'BYTES', shape: [-1, 4] },
  ],
  outputs: [{ name: 'OUTPUT0', datatype: 'BYTES', shape: [-1, 4] }],
  stages: [
    {
      name: 'batch',
      partitions: [{ file: 'p0.onnx' }, { file: 'p1.onnx' }],
      inputs: [
        { name: 'INPUT0', scatter: { kind: 'split', axis: 0 } },
        { name: 'INPUT1', scatter: { kind: 'split', axis: 0 } },
      ],
      outputs: [{ name: 'OUTPUT0', gather: { kind: 'concat', axis: 0 } }],
    },
  ],
};

const spec = (name: string, shape = [1, 4]): WireInputTensor => ({
  name,
  datatype: 'BYTES',
  shape,
  contents: null,
});
const digits = ['1', '22', '', '4444'];

function invalid(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ServiceError, `expected a ServiceError, got ${String(error)}`);
    assert.equal(error.code, Status.INVALID_ARGUMENT, error.details);
    return error.details;
  }
  assert.fail('no error was thrown');
}

void describe('decodeInputs with BYTES', () => {
  test('inputs whose batches differ are refused, naming both: the stage would split them unequally', () => {
    const raw = [encodeBytes([...digits, ...digits]), encodeBytes(['a', 'b', 'c', 'd'])];
    assert.equal(
      invalid(() => decodeInputs(plan, [spec('INPUT0', [2, 4]), spec('INPUT1', [1, 4])], raw)),
      'input "INPUT1": batch 1 does not match input "INPUT0"\'s batch 2; every input of model "simple_string" carries the request\'s batch as its first dim',
    );
    // Equal batches pass.
    const two = [encodeBytes([...digits, ...digits]), encodeBytes([...digits, ...digits])];
    assert.equal(decodeInputs(plan, [spec('INPUT0', [2, 4]), spec('INPUT1', [2, 4])], two).size, 2);
  });

  test('raw length-prefixed elements pass as sent', () => {
    const raw = [encodeBytes(digits), encodeBytes(['a', 'b', 'c', 'd'])];
    const tensors = decodeInputs(plan, [spec('INPUT0'), spec('INPUT1')], raw);
    const t = tensors.get('INPUT0')!;
    assert.deepEqual([t.datatype, t.shape], ['BYTES', [1, 4]]);
    assert.equal(t.data, raw[0]);
  });

  test('bytes_contents encode to the same bytes as raw contents', () => {
    const typed = [
      { ...spec('INPUT0'), contents: { bytes_contents: digits.map((d) => Buffer.from(d)) } },
      { ...spec('INPUT1'), contents: { bytes_contents: ['a', 'b', 'c', 'd'].map((d) => Buffer.from(d)) } },
    ];
    const tensors = decodeInputs(plan, typed, []);
    assert.ok(tensors.get('INPUT0')!.data.equals(encodeBytes(digits)));
  });

  test('a length prefix running past the end is refused, naming the input and BYTES', () => {
    const cut = encodeBytes(digits).subarray(0, 20); // inside element 3's bytes
    const details = invalid(() =>
      decodeInputs(plan, [spec('INPUT0'), spec('INPUT1')], [cut, encodeBytes(digits)]),
    );
    assert.match(details, /^input "INPUT0": raw_input_contents is not 4 BYTES elements of shape \[1,4\]/);
    assert.match(details, /element 3's length prefix says 4 bytes, past the end of the 20 bytes/);
    const lying = encodeBytes(digits);
    lying.writeUInt32LE(1000, 5); // element 1's prefix
    assert.match(
      invalid(() => decodeInputs(plan, [spec('INPUT0'), spec('INPUT1')], [encodeBytes(digits), lying])),
      /^input "INPUT1": .*element 1's length prefix says 1000 bytes/,
    );
  });

  test('an element count that does not match the shape is refused either way', () => {
    const three = encodeBytes(digits.slice(0, 3));
    assert.match(
      invalid(() => decodeInputs(plan, [spec('INPUT0'), spec('INPUT1')], [three, encodeBytes(digits)])),
      /^input "INPUT0": .*element 3's 4-byte length prefix runs past the end/,
    );
    const five = encodeBytes([...digits, '5']);
    assert.match(
      invalid(() => decodeInputs(plan, [spec('INPUT0'), spec('INPUT1')], [encodeBytes(digits), five])),
      /^input "INPUT1": .*5 bytes are left after the 4 elements/,
    );
    const typed = [
      { ...spec('INPUT0'), contents: { bytes_contents: [Buffer.from('1')] } },
      { ...spec('INPUT1'), contents: { bytes_contents: digits.map((d) => Buffer.from(d)) } },
    ];
    assert.match(
      invalid(() => decodeInputs(plan, typed, [])),
      /^input "INPUT0": contents.bytes_contents has 1 elements, but shape \[1,4\] needs 4/,
    );
  });

  test('an element that is not UTF-8 text is refused, naming the input and the element, raw or typed', () => {
    const binary = [Buffer.from('1'), Buffer.from([0xc3, 0x28]), Buffer.from('é'), Buffer.from([0xff])];
    const raw = [encodeBytes(digits), encodeBytes(binary)];
    assert.match(
      invalid(() => decodeInputs(plan, [spec('INPUT0'), spec('INPUT1')], raw)),
      /^input "INPUT1": BYTES element 1 is not UTF-8 text/,
    );
    const typed = [
      { ...spec('INPUT0'), contents: { bytes_contents: binary.slice(2).concat(binary.slice(2)) } },
      { ...spec('INPUT1'), contents: { bytes_contents: digits.map((d) => Buffer.from(d)) } },
    ];
    assert.match(
      invalid(() => decodeInputs(plan, typed, [])),
      /^input "INPUT0": BYTES element 1 is not UTF-8 text/,
    );
  });

  test('maxRequestBytes counts the bytes sent, prefixes included', () => {
    const big = encodeBytes(['x'.repeat(2000), 'y'.repeat(2100), '', '']); // 4116 bytes
    assert.match(
      invalid(() => decodeInputs(plan, [spec('INPUT0'), spec('INPUT1')], [big, encodeBytes(digits)])),
      /the inputs hold 4139 bytes; model "simple_string" takes at most 4096 bytes per request/,
    );
    const typed = (name: string, values: string[]) => ({
      ...spec(name),
      contents: { bytes_contents: values.map((d) => Buffer.from(d)) },
    });
    assert.match(
      invalid(() =>
        decodeInputs(
          plan,
          [typed('INPUT0', ['x'.repeat(2000), 'y'.repeat(2100), '', '']), typed('INPUT1', digits)],
          [],
        ),
      ),
      /the inputs hold 4139 bytes/,
    );
  });
});
