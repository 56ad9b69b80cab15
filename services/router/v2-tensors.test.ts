import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { status as Status } from '@grpc/grpc-js';
import type { Plan } from '../../lib/plan/schema.js';
import { ServiceError } from '../../lib/grpc/service-error.js';
import { decodeInputs, type WireInputTensor } from './v2-tensors.js';

// No batch dim: the inputs' first dims differ (a batched plan would refuse that).
const plan: Plan = {
  name: 'mixed',
  version: '1',
  maxBatchSize: 0,
  inputs: [
    { name: 'x', datatype: 'FP32', shape: [-1, 3] },
    { name: 'ids', datatype: 'INT64', shape: [-1] },
    { name: 'mask', datatype: 'BOOL', shape: [-1] },
    { name: 'n', datatype: 'INT32', shape: [2] },
  ],
  outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 3] }],
  stages: [
    {
      name: 'main',
      partitions: [{ file: 'main-0.onnx' }],
      inputs: [{ name: 'x', scatter: { kind: 'replicate' } }],
      outputs: [{ name: 'y', gather: { kind: 'concat', axis: 0 } }],
    },
  ],
};

/** The four inputs with typed contents, as grpcurl or a JSON client sends them. */
function typedInputs(): WireInputTensor[] {
  return [
    { name: 'x', datatype: 'FP32', shape: [2, 3], contents: { fp32_contents: [1, -2.5, 3, 0.1, 1e30, -0] } },
    { name: 'ids', datatype: 'INT64', shape: ['2'], contents: { int64_contents: ['-9007199254740993', 42] } },
    { name: 'mask', datatype: 'BOOL', shape: [3], contents: { bool_contents: [true, false, true] } },
    { name: 'n', datatype: 'INT32', shape: [2], contents: { int_contents: [-2147483648, 2147483647] } },
  ];
}

function rawInputs(): { inputs: WireInputTensor[]; raw: Buffer[] } {
  const ids = Buffer.alloc(16);
  ids.writeBigInt64LE(-9007199254740993n, 0);
  ids.writeBigInt64LE(42n, 8);
  return {
    inputs: typedInputs().map(({ name, datatype, shape }) => ({ name, datatype, shape, contents: null })),
    raw: [
      Buffer.from(new Float32Array([1, -2.5, 3, 0.1, 1e30, -0]).buffer),
      ids,
      Buffer.from([1, 0, 1]),
      Buffer.from(new Int32Array([-2147483648, 2147483647]).buffer),
    ],
  };
}

/** Asserts `fn` throws INVALID_ARGUMENT whose details mention `tensor` in quotes, and returns them. */
function invalid(fn: () => unknown, tensor: string): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ServiceError, `expected a ServiceError, got ${String(error)}`);
    assert.equal(error.code, Status.INVALID_ARGUMENT, error.details);
    assert.ok(error.details.includes(`"${tensor}"`), `"${error.details}" does not name "${tensor}"`);
    return error.details;
  }
  assert.fail('no error was thrown');
}

const withInput = (name: string, change: Partial<WireInputTensor>): WireInputTensor[] =>
  typedInputs().map((i) => (i.name === name ? { ...i, ...change } : i));

void describe('decodeInputs', () => {
  void test('raw contents become tensors of the plan, bytes as sent', () => {
    const { inputs, raw } = rawInputs();
    const tensors = decodeInputs(plan, inputs, raw);
    assert.deepEqual([...tensors.keys()], ['x', 'ids', 'mask', 'n']);
    const x = tensors.get('x')!;
    assert.deepEqual([x.name, x.datatype, x.shape], ['x', 'FP32', [2, 3]]);
    assert.equal(x.data, raw[0]);
    assert.deepEqual(tensors.get('ids')!.shape, [2]);
    assert.equal(tensors.get('ids')!.data.readBigInt64LE(0), -9007199254740993n);
  });

  void test('typed contents encode to the same bytes as raw contents', () => {
    const { inputs, raw } = rawInputs();
    const fromRaw = decodeInputs(plan, inputs, raw);
    const fromTyped = decodeInputs(plan, typedInputs(), []);
    for (const [name, tensor] of fromRaw) {
      const typed = fromTyped.get(name)!;
      assert.deepEqual(typed.shape, tensor.shape, name);
      assert.equal(typed.datatype, tensor.datatype, name);
      assert.ok(typed.data.equals(tensor.data), `${name}: ${typed.data.toString('hex')}`);
    }
  });

  void test('inputs may come in any order', () => {
    const reversed = typedInputs().reverse();
    assert.deepEqual([...decodeInputs(plan, reversed, []).keys()], ['n', 'mask', 'ids', 'x']);
  });

  void test('an unknown input names it and lists what the model takes', () => {
    const details = invalid(
      () => decodeInputs(plan, [...typedInputs(), { ...typedInputs()[0]!, name: 'z' }], []),
      'z',
    );
    assert.match(details, /not an input of model "mixed"; it takes \[x,ids,mask,n\]/);
  });

  void test('an input given twice', () => {
    assert.match(
      invalid(() => decodeInputs(plan, [...typedInputs(), typedInputs()[1]!], []), 'ids'),
      /given twice/,
    );
  });

  void test('an unsupported or wrong datatype', () => {
    assert.match(
      invalid(() => decodeInputs(plan, withInput('x', { datatype: 'BF16' }), []), 'x'),
      /"BF16" is not supported/,
    );
    assert.match(
      invalid(() => decodeInputs(plan, withInput('x', { datatype: 'BYTES' }), []), 'x'),
      /datatype BYTES given, the model takes FP32/,
    );
    assert.match(
      invalid(
        () =>
          decodeInputs(plan, withInput('n', { datatype: 'INT64', contents: { int64_contents: [1, 2] } }), []),
        'n',
      ),
      /datatype INT64 given, the model takes INT32/,
    );
  });

  void test('a negative, fractional or mismatching shape', () => {
    assert.match(
      invalid(() => decodeInputs(plan, withInput('mask', { shape: [-1] }), []), 'mask'),
      /positive integers/,
    );
    assert.match(
      invalid(() => decodeInputs(plan, withInput('mask', { shape: [1.5] }), []), 'mask'),
      /positive integers/,
    );
    assert.match(
      invalid(() => decodeInputs(plan, withInput('x', { shape: [2, 4] }), []), 'x'),
      /shape \[2,4\] given/,
    );
    assert.match(
      invalid(() => decodeInputs(plan, withInput('n', { shape: [1, 2] }), []), 'n'),
      /shape \[1,2\] given/,
    );
  });

  void test('a zero-volume shape is refused: the model cannot run a tensor without elements', () => {
    const { inputs, raw } = rawInputs();
    inputs[0] = { ...inputs[0]!, shape: [0, 3] };
    raw[0] = Buffer.alloc(0);
    assert.match(
      invalid(() => decodeInputs(plan, inputs, raw), 'x'),
      /shape \[0,3\].*without elements/,
    );
  });

  void test('a dim a stage splits must hold one row per partition', () => {
    const split: Plan = {
      ...plan,
      stages: [
        {
          ...plan.stages[0]!,
          partitions: [{ file: 'a.onnx' }, { file: 'b.onnx' }, { file: 'c.onnx' }],
          inputs: [{ name: 'x', scatter: { kind: 'split', axis: -2 } }],
        },
      ],
    };
    const rows = (n: number): WireInputTensor[] =>
      withInput('x', { shape: [n, 3], contents: { fp32_contents: new Array<number>(n * 3).fill(1) } });
    assert.match(
      invalid(() => decodeInputs(split, rows(2), []), 'x'),
      /dim 0 is 2, but stage "main" splits it across 3 partitions/,
    );
    assert.deepEqual(decodeInputs(split, rows(3), []).get('x')!.shape, [3, 3]);
  });

  void test("inputs past the plan's maxRequestBytes are refused before typed contents are converted", () => {
    // x [2,3] FP32 24 + ids 16 + mask 3 + n 8 = 51 bytes.
    assert.equal(decodeInputs({ ...plan, maxRequestBytes: 51 }, typedInputs(), []).size, 4);
    const big = withInput('mask', { shape: [4], contents: { bool_contents: [true] } });
    const details = invalid(() => decodeInputs({ ...plan, maxRequestBytes: 51 }, big, []), 'mixed');
    assert.match(
      details,
      /inputs hold 52 bytes; model "mixed" takes at most 51 bytes per request \(maxRequestBytes\)/,
    );
    // Without the field: 64 MiB. A shape asking for more is refused although no bytes came.
    const huge = withInput('mask', { shape: [64 << 20], contents: { bool_contents: [] } });
    assert.match(
      invalid(() => decodeInputs(plan, huge, []), 'mixed'),
      /at most 67108864 bytes/,
    );
  });

  void test("a client's names and shapes are quoted cut to 256 bytes", () => {
    const name = 'é'.repeat(1 << 19);
    const details = invalid(() => decodeInputs(plan, withInput('x', { name }), []), 'mixed');
    const quoted = /^input "([^"]*)"/.exec(details)![1]!;
    assert.ok(Buffer.byteLength(quoted) <= 256, `${Buffer.byteLength(quoted)} bytes quoted`);
    assert.ok(quoted.endsWith('é…'), quoted.slice(-4));
    const shape = new Array<number>(100_000).fill(7);
    const long = invalid(() => decodeInputs(plan, withInput('x', { shape }), []), 'x');
    assert.ok(Buffer.byteLength(long) < 512, `${Buffer.byteLength(long)} bytes of details`);
  });

  void test('raw and typed contents in one request are refused, as the proto says', () => {
    const { inputs, raw } = rawInputs();
    inputs[2] = { ...inputs[2]!, contents: { bool_contents: [true, false, true] } };
    assert.match(
      invalid(() => decodeInputs(plan, inputs, raw), 'mask'),
      /contents field must not be specified when using raw_input_contents for "mask"/,
    );
    // An empty contents message is no contents.
    inputs[2] = { ...inputs[2], contents: { bool_contents: [] } };
    assert.equal(decodeInputs(plan, inputs, raw).size, 4);
  });

  void test('FP16 has no typed form: typed contents are refused, naming raw_input_contents', () => {
    const half: Plan = { ...plan, inputs: [{ name: 'h', datatype: 'FP16', shape: [2] }] };
    const h = { name: 'h', datatype: 'FP16', shape: [2] };
    assert.match(
      invalid(() => decodeInputs(half, [{ ...h, contents: { fp32_contents: [1, 2] } }], []), 'h'),
      /FP16 has no typed contents; send it in raw_input_contents/,
    );
    assert.equal(decodeInputs(half, [h], [Buffer.alloc(4)]).get('h')!.data.length, 4);
  });

  void test('raw contents of the wrong count or byte size', () => {
    const { inputs, raw } = rawInputs();
    assert.throws(
      () => decodeInputs(plan, inputs, raw.slice(0, 3)),
      (error: unknown) =>
        error instanceof ServiceError &&
        error.code === Status.INVALID_ARGUMENT &&
        /raw_input_contents has 3 entries for 4 inputs/.test(error.details),
    );
    const short = [...raw];
    short[1] = raw[1]!.subarray(0, 12);
    assert.match(
      invalid(() => decodeInputs(plan, inputs, short), 'ids'),
      /raw_input_contents has 12 bytes, but shape \[2\] of INT64 needs 16/,
    );
  });

  void test('typed contents of the wrong length, or in the wrong field', () => {
    assert.match(
      invalid(() => decodeInputs(plan, withInput('x', { contents: { fp32_contents: [1, 2] } }), []), 'x'),
      /contents\.fp32_contents has 2 elements, but shape \[2,3\] needs 6/,
    );
    assert.match(
      invalid(
        () => decodeInputs(plan, withInput('mask', { contents: { int_contents: [1, 0, 1] } }), []),
        'mask',
      ),
      /contents\.bool_contents has 0 elements/,
    );
    assert.match(
      invalid(() => decodeInputs(plan, withInput('ids', { contents: null }), []), 'ids'),
      /has 0 elements/,
    );
  });

  void test('typed values outside their datatype are INVALID_ARGUMENT naming the tensor', () => {
    assert.match(
      invalid(
        () => decodeInputs(plan, withInput('n', { contents: { int_contents: [1, 2147483648] } }), []),
        'n',
      ),
      /element 1/,
    );
    invalid(
      () => decodeInputs(plan, withInput('ids', { contents: { int64_contents: ['12', 'twelve'] } }), []),
      'ids',
    );
    invalid(
      () => decodeInputs(plan, withInput('ids', { contents: { int64_contents: [1.5, 2] } }), []),
      'ids',
    );
    invalid(
      () =>
        decodeInputs(
          plan,
          withInput('ids', { contents: { int64_contents: ['9223372036854775808', 0] } }),
          [],
        ),
      'ids',
    );
  });

  void test('a missing input, and a batch over max_batch_size', () => {
    assert.match(
      invalid(() => decodeInputs(plan, typedInputs().slice(0, 3), []), 'n'),
      /input "n" missing for model "mixed"/,
    );
    assert.match(
      invalid(() => decodeInputs(plan, typedInputs().slice(2), []), 'x'),
      /inputs "x", "ids" missing/,
    );
    const big = withInput('mask', {
      shape: [5],
      contents: { bool_contents: [true, true, true, true, true] },
    });
    assert.match(
      invalid(() => decodeInputs({ ...plan, maxBatchSize: 4 }, big, []), 'mask'),
      /batch 5 exceeds the model's max_batch_size 4/,
    );
  });
});
