import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ARRAY_OF, type NumericDataType } from './datatypes.js';
import { InferResult } from './infer-result.js';
import { ShardmeshError, Status } from './shardmesh-error.js';
import { decodeOutput, encodeInput } from './tensor-codec.js';

const samples: { [D in NumericDataType]: number[] | bigint[] } = {
  BOOL: [1, 0, 1, 1, 0, 0],
  UINT8: [0, 1, 127, 128, 255, 7],
  UINT16: [0, 1, 65535, 256, 3, 9],
  UINT32: [0, 1, 4294967295, 65536, 3, 9],
  UINT64: [0n, 1n, 18446744073709551615n, 1n << 53n, 3n, 9n],
  INT8: [-128, -1, 0, 1, 127, 5],
  INT16: [-32768, -1, 0, 1, 32767, 5],
  INT32: [-2147483648, -1, 0, 1, 2147483647, 5],
  INT64: [-(2n ** 63n), -1n, 0n, (1n << 53n) + 1n, 2n ** 63n - 1n, 5n],
  FP16: [0x3c00, 0xc000, 0, 0x7bff, 1, 2],
  BF16: [0x3f80, 0xc000, 0, 0x7f7f, 1, 2],
  FP32: [1.5, -2.25, 0, 3.4e38, 1e-7, Number.NaN],
  FP64: [1.5, -2.25, 0, 1.7e308, 1e-300, Number.NEGATIVE_INFINITY],
};

/** The little-endian bytes of `values` written one by one with DataView, independent of typed arrays. */
function littleEndian(datatype: NumericDataType, values: readonly (number | bigint)[]): Buffer {
  const size = ARRAY_OF[datatype].BYTES_PER_ELEMENT;
  const view = new DataView(new ArrayBuffer(values.length * size));
  values.forEach((v, i) => {
    const at = i * size;
    const write: Record<NumericDataType, () => void> = {
      BOOL: () => view.setUint8(at, v as number),
      UINT8: () => view.setUint8(at, v as number),
      INT8: () => view.setInt8(at, v as number),
      UINT16: () => view.setUint16(at, v as number, true),
      FP16: () => view.setUint16(at, v as number, true),
      BF16: () => view.setUint16(at, v as number, true),
      INT16: () => view.setInt16(at, v as number, true),
      UINT32: () => view.setUint32(at, v as number, true),
      INT32: () => view.setInt32(at, v as number, true),
      UINT64: () => view.setBigUint64(at, v as bigint, true),
      INT64: () => view.setBigInt64(at, v as bigint, true),
      FP32: () => view.setFloat32(at, v as number, true),
      FP64: () => view.setFloat64(at, v as number, true),
    };
    write[datatype]();
  });
  return Buffer.from(view.buffer);
}

describe('tensor codec', () => {
  for (const [datatype, values] of Object.entries(samples) as [NumericDataType, number[] | bigint[]][]) {
    test(`${datatype}: encodes little-endian row-major bytes and decodes them back`, () => {
      const Ctor = ARRAY_OF[datatype] as unknown as { from(v: unknown): never };
      const data = Ctor.from(values);
      const { spec, raw } = encodeInput('t', { datatype, shape: [2, 3], data });
      assert.deepEqual(spec, { name: 't', datatype, shape: [2, 3] });
      assert.deepEqual(raw, littleEndian(datatype, values));
      const decoded = decodeOutput({ name: 't', datatype, shape: ['2', '3'] }, raw);
      assert.equal(decoded.datatype, datatype);
      assert.deepEqual(decoded.shape, [2, 3]);
      assert.deepEqual(decoded.data, data);
    });
  }

  test('the datatype is read off the array where it says one', () => {
    const cases: [unknown, string][] = [
      [new Float32Array(1), 'FP32'],
      [new Int32Array(1), 'INT32'],
      [new BigInt64Array(1), 'INT64'],
      [new Uint8Array(1), 'UINT8'],
      [new Uint16Array(1), 'UINT16'],
      [['a'], 'BYTES'],
    ];
    for (const [data, datatype] of cases)
      assert.equal(encodeInput('t', { shape: [1], data: data as Float32Array }).spec.datatype, datatype);
  });

  test('a raw output at an odd offset in its buffer is copied, not misread', () => {
    const bytes = littleEndian('FP32', [1.5, -2, 7]);
    const unaligned = Buffer.concat([Buffer.from([9]), bytes]).subarray(1);
    assert.equal(unaligned.byteOffset % 4 !== 0, true);
    const out = decodeOutput({ name: 'y', datatype: 'FP32', shape: ['3'] }, unaligned);
    assert.deepEqual(out.data, Float32Array.from([1.5, -2, 7]));
  });

  const invalid = (fn: () => unknown, message: RegExp): void =>
    assert.throws(
      fn,
      (e: unknown) =>
        e instanceof ShardmeshError && e.code === Status.INVALID_ARGUMENT && message.test(e.details),
    );

  test('inputs that do not fit their datatype or shape are refused as INVALID_ARGUMENT, naming the input', () => {
    invalid(
      () => encodeInput('x', { datatype: 'FP32', shape: [2], data: new Int32Array(2) }),
      /input "x": a FP32 tensor's data is a Float32Array, not Int32Array/,
    );
    invalid(
      () => encodeInput('x', { shape: [2, 3], data: new Float32Array(5) }),
      /input "x": 5 elements where shape \[2,3\] needs 6/,
    );
    invalid(
      () => encodeInput('x', { shape: [-1], data: new Float32Array(1) }),
      /shape \[-1\] must hold whole numbers/,
    );
    invalid(
      () => encodeInput('x', { datatype: 'FP8' as 'FP32', shape: [1], data: new Float32Array(1) }),
      /FP8 is not/,
    );
    invalid(
      () => encodeInput('s', { datatype: 'BYTES', shape: [2], data: ['a'] }),
      /input "s": 1 elements where shape \[2\] needs 2/,
    );
  });

  test('raw output bytes that do not match the shape are INTERNAL, naming the output', () => {
    assert.throws(
      () => decodeOutput({ name: 'y', datatype: 'INT32', shape: ['2'] }, Buffer.alloc(7)),
      (e: unknown) =>
        e instanceof ShardmeshError &&
        e.code === Status.INTERNAL &&
        /output "y": 7 bytes where INT32 \[2\] needs 8/.test(e.details),
    );
  });

  test('typed contents decode when there are no raw contents, INT64 exactly beyond 2^53', () => {
    const i64 = decodeOutput(
      {
        name: 'a',
        datatype: 'INT64',
        shape: ['2'],
        contents: { int64_contents: ['9007199254740993', '-5'] },
      },
      undefined,
    );
    assert.deepEqual(i64.data, BigInt64Array.from([9007199254740993n, -5n]));
    const f32 = decodeOutput(
      { name: 'b', datatype: 'FP32', shape: ['1', '2'], contents: { fp32_contents: [0.5, 2] } },
      undefined,
    );
    assert.deepEqual(f32.data, Float32Array.from([0.5, 2]));
    const bool = decodeOutput(
      { name: 'c', datatype: 'BOOL', shape: ['2'], contents: { bool_contents: [true, false] } },
      undefined,
    );
    assert.deepEqual(bool.data, Uint8Array.from([1, 0]));
    const bytes = decodeOutput(
      { name: 'd', datatype: 'BYTES', shape: ['1'], contents: { bytes_contents: [Buffer.from('hi')] } },
      undefined,
    );
    assert.deepEqual(bytes.data, [Buffer.from('hi')]);
    assert.throws(
      () =>
        decodeOutput(
          { name: 'e', datatype: 'INT32', shape: ['3'], contents: { int_contents: [1] } },
          undefined,
        ),
      /output "e": 1 typed elements where shape \[3\] needs 3/,
    );
  });

  test('a response pairs raw contents with outputs by index; output() checks the datatype', () => {
    const result = InferResult.fromMessage({
      model_name: 'm',
      model_version: '1',
      id: 'r1',
      outputs: [
        { name: 'y', datatype: 'FP32', shape: ['2'] },
        { name: 's', datatype: 'BYTES', shape: ['1'] },
      ],
      raw_output_contents: [littleEndian('FP32', [1, 2]), Buffer.from([2, 0, 0, 0, 0x6f, 0x6b])],
    });
    assert.deepEqual(result.output('y', 'FP32'), Float32Array.from([1, 2]));
    assert.deepEqual(result.output('s', 'BYTES'), [Buffer.from('ok')]);
    assert.throws(() => result.output('y', 'INT32'), /output "y" is FP32, not INT32/);
    assert.throws(() => result.output('z', 'FP32'), /output "z" is not in the response \(it has y, s\)/);
  });
});
