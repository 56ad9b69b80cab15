// OrtRunner's output scratch (services/shard/ort-runner.ts) on real ONNX Runtime: outputs whose
// shape the model declares and the inputs size are written into memory the runner keeps, and each
// run's outputs stay the caller's, untouched by later runs.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { graphProto, saveModel, tensorValueInfo } from '../partition/onnx/graph.js';
import { makeInitializer } from '../partition/onnx/weights.js';
import { FLOAT, node, syntheticModel } from '../partition/models/synthetic.js';
import { onnx } from '../partition/onnx/graph.js';
import { OrtRunner, OUTPUT_SCRATCH_MIN_BYTES } from '../services/shard/ort-runner.js';
import type { Tensor } from '../lib/tensor/tensor.js';
import { status as Status } from '@grpc/grpc-js';
import type { ServiceError } from '../lib/grpc/service-error.js';

const COLS = 1024;
const INT64 = onnx.TensorProto.DataType.INT64;
/** Rows of a [rows, COLS] FP32 output at the scratch's lower bound. */
const MIN_ROWS = OUTPUT_SCRATCH_MIN_BYTES / (COLS * 4);
const rows = (n: number, from: number): number[] => Array.from({ length: n }, (_, i) => from + i);
const B = Float32Array.from({ length: COLS }, (_, j) => j + 1);

/** y [n, COLS] = a [n, 1] × b [1, COLS], with y declared as `outputDims`. */
function outerModel(outputDims: (number | string)[]) {
  return syntheticModel(
    graphProto({
      name: 'outer',
      input: [tensorValueInfo('a', FLOAT, ['n', 1])],
      output: [tensorValueInfo('y', FLOAT, outputDims)],
      initializer: [makeInitializer('b', [1, COLS], B)],
      node: [node('MatMul', 'outer', ['a', 'b'], 'y')],
    }),
    13,
  );
}

/** y [n, COLS] = rows `i` [n] (INT64) of a [2, COLS] table: an index past 1 fails the run. */
function gatherModel() {
  return syntheticModel(
    graphProto({
      name: 'gather',
      input: [tensorValueInfo('i', INT64, ['n'])],
      output: [tensorValueInfo('y', FLOAT, ['n', COLS])],
      initializer: [
        makeInitializer(
          'table',
          [2, COLS],
          Float32Array.from({ length: 2 * COLS }, (_, k) => k),
        ),
      ],
      node: [node('Gather', 'pick', ['table', 'i'], 'y')],
    }),
    13,
  );
}

const indices = (values: number[]): Tensor => ({
  name: 'i',
  datatype: 'INT64',
  shape: [values.length],
  data: Buffer.from(BigInt64Array.from(values.map(BigInt)).buffer),
});

function input(values: number[]): Tensor {
  return {
    name: 'a',
    datatype: 'FP32',
    shape: [values.length, 1],
    data: Buffer.from(Float32Array.from(values).buffer),
  };
}

/** Checks y = a × b for the rows `values` gave. */
function assertOuter(output: Tensor, values: number[], what: string): void {
  assert.deepEqual(output.shape, [values.length, COLS], what);
  const y = new Float32Array(output.data.buffer, output.data.byteOffset, output.data.length / 4);
  for (const [i, v] of values.entries())
    for (const j of [0, 1, COLS - 1]) assert.equal(y[i * COLS + j], v * B[j]!, `${what}: y[${i}, ${j}]`);
}

void describe('OrtRunner output scratch', () => {
  let dir: string;
  const file = (name: string): string => path.join(dir, name);

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'shardmesh-scratch-'));
    await saveModel(file('told.onnx'), outerModel(['n', COLS]));
    await saveModel(file('untold.onnx'), outerModel(['rows', 'cols']));
    await saveModel(file('misdeclared.onnx'), outerModel([MIN_ROWS, COLS]));
    await saveModel(file('gather.onnx'), gatherModel());
  });

  after(() => rm(dir, { recursive: true, force: true }));

  test('an output the declaration and inputs size is written into kept memory; earlier outputs stay intact', async () => {
    const runner = await OrtRunner.load(file('told.onnx'), 0);
    try {
      const a = rows(MIN_ROWS, 1);
      const b = rows(MIN_ROWS + 8, 100);
      const c = rows(MIN_ROWS, 200);
      assertOuter((await runner.run([input([7])]))[0]!, [7], 'a small run');
      assert.equal(runner.scratchBytes, 0, 'an output under the lower bound: ONNX Runtime allocates it');
      const first = await runner.run([input(a)]);
      assert.equal(runner.scratchBytes, a.length * COLS * 4, 'scratch sized to the first run');
      const second = await runner.run([input(b)]);
      assert.equal(runner.scratchBytes, b.length * COLS * 4, 'grown for a larger run');
      const third = await runner.run([input(c)]);
      assert.equal(runner.scratchBytes, b.length * COLS * 4, 'kept, not shrunk, for a smaller run');
      assertOuter(first[0]!, a, 'first run, read after two more');
      assertOuter(second[0]!, b, 'second run, read after a third');
      assertOuter(third[0]!, c, 'third run');
      await runner.run([input([7])]);
      assert.equal(
        runner.scratchBytes,
        b.length * COLS * 4,
        'an output under the lower bound: ORT allocates it',
      );
    } finally {
      await runner.close();
    }
    assert.equal(runner.scratchBytes, 0, 'close lets the scratch go');
  });

  test('an output whose size the inputs do not tell is left to ONNX Runtime', async () => {
    const runner = await OrtRunner.load(file('untold.onnx'), 0);
    try {
      assertOuter((await runner.run([input(rows(MIN_ROWS, 2))]))[0]!, rows(MIN_ROWS, 2), 'untold shape');
      assert.equal(runner.scratchBytes, 0);
    } finally {
      await runner.close();
    }
  });

  test('a declared shape the run does not produce: the run is redone as ONNX Runtime allocates, and scratch stays off', async () => {
    const runner = await OrtRunner.load(file('misdeclared.onnx'), 0);
    try {
      assertOuter(
        (await runner.run([input(rows(MIN_ROWS + 1, 3))]))[0]!,
        rows(MIN_ROWS + 1, 3),
        'first run, redone',
      );
      assert.equal(runner.scratchBytes, 0);
      assertOuter(
        (await runner.run([input(rows(MIN_ROWS, 4))]))[0]!,
        rows(MIN_ROWS, 4),
        'later run, even of the declared shape',
      );
      assert.equal(runner.scratchBytes, 0);
    } finally {
      await runner.close();
    }
  });

  test("a run that fails on its input values is INVALID_ARGUMENT with ONNX Runtime's words, and scratch stays on", async () => {
    const runner = await OrtRunner.load(file('gather.onnx'), 0);
    try {
      const good = rows(MIN_ROWS, 0).map((k) => k % 2);
      await runner.run([indices(good)]);
      const scratch = runner.scratchBytes;
      assert.ok(scratch > 0, 'the output is written into scratch');
      await assert.rejects(
        runner.run([indices(good.map((k, n) => (n === 3 ? 5 : k)))]),
        (error: ServiceError) => {
          assert.equal(error.code, Status.INVALID_ARGUMENT);
          assert.match(
            error.details,
            /^the model could not run on these input values \(ONNX Runtime: ".*Gather.*"\)/,
          );
          assert.doesNotMatch(error.details, /\.(cc|h):\d+/, "no path of ONNX Runtime's sources");
          return true;
        },
      );
      // The failure was the values', not the declared shape's: the next run still uses scratch.
      const y = (await runner.run([indices(good)]))[0]!;
      assert.equal(runner.scratchBytes, scratch);
      assert.equal(new Float32Array(y.data.buffer, y.data.byteOffset, 2)[1], 1);
    } finally {
      await runner.close();
    }
  });
});
