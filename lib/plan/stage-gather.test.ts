import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { StagePlan } from './schema.js';
import { GatherError } from './gather-error.js';
import type { Tensor, TensorSpec } from '../tensor/tensor.js';
import { StageGather } from './stage-gather.js';

const f32 = (values: number[]): Buffer => Buffer.from(new Float32Array(values).buffer);
const i64 = (values: number[]): Buffer => Buffer.from(new BigInt64Array(values.map(BigInt)).buffer);
const readF32 = (t: Tensor | undefined): number[] => {
  assert.ok(t, 'the output is missing');
  return Array.from(new Float32Array(t.data.buffer, t.data.byteOffset, t.data.length / 4));
};
const readI64 = (t: Tensor | undefined): number[] => {
  assert.ok(t, 'the output is missing');
  return Array.from(new BigInt64Array(t.data.buffer, t.data.byteOffset, t.data.length / 8), Number);
};
const spec = (name: string, shape: number[], datatype: TensorSpec['datatype'] = 'FP32'): TensorSpec => ({
  name,
  datatype,
  shape,
});

function stagePlan(outputs: StagePlan['outputs']): StagePlan {
  return {
    name: 'mlp',
    partitions: [{ file: 'part-0.onnx' }, { file: 'part-1.onnx' }],
    inputs: [{ name: 'x', scatter: { kind: 'replicate' } }],
    outputs,
  };
}

/** Every `bytes` of `data` as [offset, chunk]. */
function chunks(data: Buffer, bytes: number): [number, Buffer][] {
  const out: [number, Buffer][] = [];
  for (let at = 0; at < data.length; at += bytes) out.push([at, data.subarray(at, at + bytes)]);
  return out;
}

void describe('StageGather', () => {
  void test('concat: chunks that arrive before every header are buffered, then merged in place', () => {
    const gather = new StageGather(stagePlan([{ name: 'y', gather: { kind: 'concat', axis: 1 } }]));
    const s0 = gather.sink(0);
    const s1 = gather.sink(1);
    // Partition 0 holds columns 0..2 of a [2, 5] output, partition 1 columns 3..4.
    const p0 = f32([0, 1, 2, 10, 11, 12]);
    const p1 = f32([3, 4, 13, 14]);
    s0.header([spec('y', [2, 3])]);
    for (const [offset, data] of chunks(p0, 8)) s0.chunk(0, offset, data); // partition 1's shape is unknown yet
    s1.header([spec('y', [2, 2])]);
    const [first, ...rest] = chunks(p1, 4).reverse();
    s1.chunk(0, first![0], first![1]);
    for (const [offset, data] of rest) s1.chunk(0, offset, data);
    gather.partitionDone(1);
    gather.partitionDone(0);
    const out = gather.result();
    assert.deepEqual([...out.keys()], ['y']);
    assert.deepEqual(out.get('y')!.shape, [2, 5]);
    assert.deepEqual(readF32(out.get('y')), [0, 1, 2, 3, 4, 10, 11, 12, 13, 14]);
  });

  void test("a chunk's bytes are the sink's only until chunk() returns: one buffered for later is copied", () => {
    const gather = new StageGather(stagePlan([{ name: 'y', gather: { kind: 'concat', axis: 1 } }]));
    const s0 = gather.sink(0);
    const s1 = gather.sink(1);
    s0.header([spec('y', [2, 3])]);
    // Partition 1's shape is unknown, so these wait; their memory is reused as soon as they return.
    for (const [offset, data] of chunks(f32([0, 1, 2, 10, 11, 12]), 8)) {
      s0.chunk(0, offset, data);
      data.fill(0xff);
    }
    s1.header([spec('y', [2, 2])]);
    for (const [offset, data] of chunks(f32([3, 4, 13, 14]), 4)) {
      s1.chunk(0, offset, data);
      data.fill(0xff);
    }
    gather.partitionDone(0);
    gather.partitionDone(1);
    assert.deepEqual(readF32(gather.result().get('y')), [0, 1, 2, 3, 4, 10, 11, 12, 13, 14]);
  });

  void test('sum: chunks in any order, partitions done in any order, add up element-wise', () => {
    const gather = new StageGather(stagePlan([{ name: 'h', gather: { kind: 'sum' } }]));
    const s0 = gather.sink(0);
    const s1 = gather.sink(1);
    s0.header([spec('h', [3])]);
    s1.header([spec('h', [3])]);
    s0.chunk(0, 0, f32([1, 2, 3]));
    s1.chunk(0, 4, f32([20, 30]));
    s1.chunk(0, 0, f32([10]));
    gather.partitionDone(1);
    gather.partitionDone(0);
    assert.deepEqual(readF32(gather.result().get('h')), [11, 22, 33]);
  });

  void test('result() before every partition is done throws, naming the partitions still running', () => {
    const gather = new StageGather(stagePlan([{ name: 'h', gather: { kind: 'sum' } }]));
    const s0 = gather.sink(0);
    const s1 = gather.sink(1);
    s0.header([spec('h', [1])]);
    s1.header([spec('h', [1])]);
    s1.chunk(0, 0, f32([10]));
    assert.throws(() => gather.result(), {
      message: 'stage mlp: result() before partitions [0,1] are done',
    });
    gather.partitionDone(1);
    assert.throws(() => gather.result(), { message: 'stage mlp: result() before partitions [0] are done' });
    s0.chunk(0, 0, f32([1]));
    gather.partitionDone(0);
    assert.deepEqual(readF32(gather.result().get('h')), [11]);
  });

  void test('mean: sums after done, divided by the partition count', () => {
    const gather = new StageGather(stagePlan([{ name: 'h', gather: { kind: 'mean' } }]));
    const s0 = gather.sink(0);
    const s1 = gather.sink(1);
    s0.header([spec('h', [2])]);
    s0.chunk(0, 0, f32([1, 5]));
    gather.partitionDone(0); // done before the other header: merged once the mergers exist
    s1.header([spec('h', [2])]);
    s1.chunk(0, 0, f32([3, -1]));
    gather.partitionDone(1);
    assert.deepEqual(readF32(gather.result().get('h')), [2, 2]);
    assert.deepEqual(readF32(gather.result().get('h')), [2, 2], 'a second result() divides nothing again');
  });

  void test("a retried partition's new sink drops the failed attempt's sum chunks: no double counting", () => {
    const gather = new StageGather(
      stagePlan([
        { name: 'h', gather: { kind: 'sum' } },
        { name: 'y', gather: { kind: 'concat', axis: 0 } },
      ]),
    );
    const s1 = gather.sink(1);
    s1.header([spec('h', [2]), spec('y', [1])]);
    s1.chunk(0, 0, f32([100, 200]));
    s1.chunk(1, 0, f32([-1]));
    gather.partitionDone(1);

    const failed = gather.sink(0);
    failed.header([spec('h', [2]), spec('y', [2])]);
    failed.chunk(0, 0, f32([1]));
    failed.chunk(1, 0, f32([7, 7])); // concat bytes land at once; the retry rewrites them
    // ...the replica fails here; the executor asks for a fresh sink and tries another replica.
    const retry = gather.sink(0);
    retry.header([spec('h', [2]), spec('y', [2])]);
    retry.chunk(0, 0, f32([1, 2]));
    retry.chunk(1, 4, f32([6]));
    retry.chunk(1, 0, f32([5]));
    gather.partitionDone(0);
    const out = gather.result();
    assert.deepEqual(readF32(out.get('h')), [101, 202]);
    assert.deepEqual(readF32(out.get('y')), [5, 6, -1]);
  });

  void test('a retry whose output shape differs from the failed attempt is invalid shard output', () => {
    const gather = new StageGather(stagePlan([{ name: 'h', gather: { kind: 'sum' } }]));
    gather.sink(0).header([spec('h', [2])]);
    assert.throws(
      () => gather.sink(0).header([spec('h', [3])]),
      (error: unknown) =>
        error instanceof GatherError &&
        error.kind === 'invalid-shard-output' &&
        /partition 0 changed output shape on retry/.test(error.message),
    );
  });

  void test('a header whose outputs are not the plan’s, or a chunk of an unknown output, is invalid shard output', () => {
    const gather = new StageGather(stagePlan([{ name: 'h', gather: { kind: 'sum' } }]));
    assert.throws(
      () => gather.sink(0).header([spec('logits', [2])]),
      (error: unknown) =>
        error instanceof GatherError &&
        error.kind === 'invalid-shard-output' &&
        error.message === 'stage mlp partition 0 returned [logits], the plan says [h]',
    );
    const s0 = gather.sink(0);
    const s1 = gather.sink(1);
    s0.header([spec('h', [1])]);
    s1.header([spec('h', [1])]);
    assert.throws(
      () => s1.chunk(3, 0, f32([1])),
      (error: unknown) =>
        error instanceof GatherError &&
        error.kind === 'invalid-shard-output' &&
        /partition 1 sent a chunk of output 3/.test(error.message),
    );
  });

  void test('top-k: values and indices from two partitions merge into the global top-k', () => {
    const gather = new StageGather(
      stagePlan([
        { name: 'scores', gather: { kind: 'topk', k: 3, indices: 'classes', columnOffsets: [0, 4] } },
        { name: 'classes', gather: { kind: 'concat', axis: -1 } },
      ]),
    );
    // Two rows over 7 classes: partition 0 holds classes 0..3, partition 1 classes 4..6, each
    // sending its local top-3 with local indices.
    //   row 0: [0.1, 0.9, 0.5, 0.9 | 0.9, 0.2, 0.3] -> 0.9@1, 0.9@3, 0.9@4
    //   row 1: [0.0, 0.1, 0.2, 0.3 | 0.8, 0.7, 0.3] -> 0.8@4, 0.7@5, 0.3@3
    const s0 = gather.sink(0);
    const s1 = gather.sink(1);
    s1.header([spec('scores', [2, 3]), spec('classes', [2, 3], 'INT64')]);
    s1.chunk(1, 0, i64([0, 2, 1, 0, 1, 2]));
    s1.chunk(0, 0, f32([0.9, 0.3, 0.2, 0.8, 0.7, 0.3]));
    s0.header([spec('scores', [2, 3]), spec('classes', [2, 3], 'INT64')]);
    const values0 = f32([0.9, 0.9, 0.5, 0.3, 0.2, 0.1]);
    const indices0 = i64([1, 3, 2, 3, 2, 1]);
    for (const [offset, data] of chunks(indices0, 16)) s0.chunk(1, offset, data);
    for (const [offset, data] of chunks(values0, 8)) s0.chunk(0, offset, data);
    gather.partitionDone(0);
    gather.partitionDone(1);
    const out = gather.result();
    assert.deepEqual([...out.keys()].sort(), ['classes', 'scores']);
    assert.deepEqual(out.get('scores')!.shape, [2, 3]);
    assert.deepEqual(out.get('classes')!.shape, [2, 3]);
    assert.equal(out.get('classes')!.datatype, 'INT64');
    assert.deepEqual(readF32(out.get('scores')), [0.9, 0.9, 0.9, 0.8, 0.7, 0.3].map(Math.fround));
    assert.deepEqual(readI64(out.get('classes')), [1, 3, 4, 4, 5, 3]);
  });

  void test('top-k: a retried partition contributes only its successful attempt', () => {
    const gather = new StageGather(
      stagePlan([
        { name: 'scores', gather: { kind: 'topk', k: 2, indices: 'classes', columnOffsets: [0, 2] } },
        { name: 'classes', gather: { kind: 'concat', axis: -1 } },
      ]),
    );
    const s1 = gather.sink(1);
    s1.header([spec('scores', [2]), spec('classes', [2], 'INT64')]);
    s1.chunk(0, 0, f32([0.6, 0.1]));
    s1.chunk(1, 0, i64([1, 0]));
    gather.partitionDone(1);
    const failed = gather.sink(0);
    failed.header([spec('scores', [2]), spec('classes', [2], 'INT64')]);
    failed.chunk(1, 0, i64([0, 1]));
    failed.chunk(0, 0, f32([0.9]));
    const retry = gather.sink(0);
    retry.header([spec('scores', [2]), spec('classes', [2], 'INT64')]);
    retry.chunk(0, 0, f32([0.9, 0.5]));
    retry.chunk(1, 0, i64([0, 1]));
    gather.partitionDone(0);
    const out = gather.result();
    assert.deepEqual(readF32(out.get('scores')), [0.9, 0.6].map(Math.fround));
    assert.deepEqual(readI64(out.get('classes')), [0, 3]);
  });
});

void describe('StageGather: what an attempt sent, and only the current attempt', () => {
  const concat = (): StageGather =>
    new StageGather(stagePlan([{ name: 'y', gather: { kind: 'concat', axis: 0 } }]));

  void test('a partition that sent too few bytes of a concat output is invalid shard output', () => {
    const gather = concat();
    const [s0, s1] = [gather.sink(0), gather.sink(1)];
    s0.header([spec('y', [2])]);
    s1.header([spec('y', [1])]);
    s0.chunk(0, 0, f32([1])); // of 2 elements
    s1.chunk(0, 0, f32([3]));
    gather.partitionDone(0);
    gather.partitionDone(1);
    assert.throws(
      () => gather.result(),
      (error: unknown) =>
        error instanceof GatherError &&
        error.kind === 'invalid-shard-output' &&
        /stage mlp: y: partition 0 sent 4 bytes of its 8/.test(error.message),
    );
  });

  void test("a late chunk of an abandoned attempt neither lands nor counts in the retry's", () => {
    const gather = concat();
    const s1 = gather.sink(1);
    s1.header([spec('y', [1])]);
    s1.chunk(0, 0, f32([3]));
    gather.partitionDone(1);
    const failed = gather.sink(0);
    failed.header([spec('y', [2])]);
    const retry = gather.sink(0);
    retry.header([spec('y', [2])]);
    retry.chunk(0, 0, f32([1, 2]));
    failed.chunk(0, 0, f32([9, 9])); // still in flight when the attempt was abandoned
    gather.partitionDone(0);
    assert.deepEqual(readF32(gather.result().get('y')), [1, 2, 3]);
  });
});

void test('StageGather: a concat chunk past the partition end is invalid shard output', () => {
  const gather = new StageGather(stagePlan([{ name: 'y', gather: { kind: 'concat', axis: 0 } }]));
  const [s0, s1] = [gather.sink(0), gather.sink(1)];
  s0.header([spec('y', [1])]);
  s1.header([spec('y', [1])]);
  assert.throws(
    () => s0.chunk(0, 4, f32([1])),
    (error: unknown) =>
      error instanceof GatherError &&
      error.kind === 'invalid-shard-output' &&
      /partition 0 chunk at byte 4 \(4 bytes\) ends past its 4 bytes/.test(error.message),
  );
});
