import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Metadata, status as Status } from '@grpc/grpc-js';
import { StageGather } from '../../lib/plan/stage-gather.js';
import type { StagePlan } from '../../lib/plan/schema.js';
import { encodeInferResponse } from '../../lib/grpc/v2-codec.js';
import { streamedMessageOf, type StreamedMessage } from '../../lib/grpc/streamed-message.js';
import { STREAM_FROM_BYTES, StreamedAnswer } from './streamed-answer.js';

const ROWS = 1024;
const COLS = [1024, 512]; // partition widths: 6 MiB of FP32 in all, over the streaming threshold

function stage(outputs: StagePlan['outputs']): StagePlan {
  return {
    name: 'main',
    partitions: [{ file: 'p0.onnx' }, { file: 'p1.onnx' }],
    inputs: [{ name: 'x', scatter: { kind: 'replicate' } }],
    outputs,
  };
}

/** Partition p's output: [ROWS, COLS[p]] FP32, every element distinct across partitions. */
const part = (p: number): Buffer => {
  const values = new Float32Array(ROWS * COLS[p]!);
  for (let i = 0; i < values.length; i++) values[i] = p * 1e7 + i;
  return Buffer.from(values.buffer);
};

const HEAD = { model_name: 'm', model_version: '3', id: 'req-1' };

/** A gather with an answer attached, and what the answer handed to its call. */
function streamed(outputs: StagePlan['outputs'], names = ['y']) {
  const gather = new StageGather(stage(outputs));
  let message: object | undefined;
  const answer = new StreamedAnswer((m) => (message = m));
  answer.attach(gather, HEAD, names);
  const sinks = [gather.sink(0), gather.sink(1)];
  return { gather, answer, sinks, message: () => message };
}

/** Runs the message's pipe, collecting what it writes; `written()` is everything so far. */
function pipe(message: StreamedMessage) {
  const pieces: Buffer[] = [];
  const done = message.pipe((bytes) => pieces.push(Buffer.from(bytes)));
  return { done, written: () => Buffer.concat(pieces) };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

void describe('StreamedAnswer: a ModelInfer answer sent while the shards still send it', () => {
  test('starts once every shape is in, sends only bytes every partition has written, and its bytes equal the whole answer', async () => {
    const { gather, answer, sinks, message } = streamed([{ name: 'y', gather: { kind: 'concat', axis: 1 } }]);
    sinks[0]!.header([{ name: 'y', datatype: 'FP32', shape: [ROWS, COLS[0]!] }]);
    assert.equal(message(), undefined, 'not before partition 1 says its shape');
    sinks[1]!.header([{ name: 'y', datatype: 'FP32', shape: [ROWS, COLS[1]!] }]);
    const streamedMessage = streamedMessageOf(message());
    assert.ok(streamedMessage && answer.started);
    const { done, written } = pipe(streamedMessage);
    const parts = [part(0), part(1)];
    const rowBytes = [COLS[0]! * 4, COLS[1]! * 4];
    // Partition 0 sends all its rows, partition 1 10 of them: 10 whole rows are final, and
    // partition 0's part of the next.
    sinks[0]!.chunk(0, 0, parts[0]!);
    sinks[1]!.chunk(0, 0, parts[1]!.subarray(0, 10 * rowBytes[1]!));
    await tick();
    const header = written().length - 10 * (rowBytes[0]! + rowBytes[1]!) - rowBytes[0]!;
    assert.ok(header > 0 && header < 100, `header ${header} bytes`);
    sinks[1]!.chunk(0, 10 * rowBytes[1]!, parts[1]!.subarray(10 * rowBytes[1]!));
    gather.partitionDone(0);
    gather.partitionDone(1);
    const result = gather.result().get('y')!;
    answer.finish();
    await done;
    const whole = encodeInferResponse({
      ...HEAD,
      outputs: [{ name: 'y', datatype: 'FP32', shape: [ROWS, COLS[0]! + COLS[1]!] }],
      raw_output_contents: [Buffer.from(result.data)],
    });
    assert.equal(written().length, streamedMessage.length);
    assert.ok(written().equals(whole), 'the streamed bytes are the whole answer');
  });

  test('a partition restarted after its bytes were sent: nothing is sent twice, and the rest waits for the new attempt', async () => {
    const { gather, sinks, message, answer } = streamed([{ name: 'y', gather: { kind: 'concat', axis: 1 } }]);
    sinks.forEach((s, p) => s.header([{ name: 'y', datatype: 'FP32', shape: [ROWS, COLS[p]!] }]));
    const { done, written } = pipe(streamedMessageOf(message())!);
    const parts = [part(0), part(1)];
    sinks[0]!.chunk(0, 0, parts[0]!);
    sinks[1]!.chunk(0, 0, parts[1]!.subarray(0, 1 << 20));
    await tick();
    const before = written().length;
    const retry = gather.sink(1); // the first attempt at partition 1 failed
    await tick();
    assert.equal(written().length, before);
    retry.chunk(0, 0, parts[1]!.subarray(0, 1 << 20)); // the same bytes again: already sent
    await tick();
    assert.equal(written().length, before);
    retry.chunk(0, 1 << 20, parts[1]!.subarray(1 << 20));
    gather.partitionDone(0);
    gather.partitionDone(1);
    const result = gather.result().get('y')!;
    answer.finish();
    await done;
    assert.ok(written().subarray(-result.data.length).equals(result.data));
    assert.equal(written().length, streamedMessageOf(message())!.length);
  });

  test('an execution that fails after bytes were sent ends the pipe with its status', async () => {
    const { sinks, message, answer } = streamed([{ name: 'y', gather: { kind: 'concat', axis: 1 } }]);
    sinks.forEach((s, p) => s.header([{ name: 'y', datatype: 'FP32', shape: [ROWS, COLS[p]!] }]));
    const { done, written } = pipe(streamedMessageOf(message())!);
    sinks[0]!.chunk(0, 0, part(0));
    sinks[1]!.chunk(0, 0, part(1).subarray(0, 1 << 20));
    await tick();
    assert.ok(written().length > 1 << 20);
    const status = { code: Status.UNAVAILABLE, details: 'no replica', metadata: new Metadata() };
    answer.fail(status);
    await assert.rejects(done, (e: unknown) => e === status);
  });

  test('declines, leaving the answer to be sent whole: a sum, outputs under the threshold, an output of another stage', () => {
    const sum = streamed([{ name: 'y', gather: { kind: 'sum' } }]);
    sum.sinks.forEach((s) => s.header([{ name: 'y', datatype: 'FP32', shape: [ROWS, COLS[0]!] }]));
    assert.equal(sum.message(), undefined);
    assert.equal(sum.answer.started, false);

    const small = streamed([{ name: 'y', gather: { kind: 'concat', axis: 1 } }]);
    const cols = Math.floor(STREAM_FROM_BYTES / 4 / ROWS / 2) - 1;
    small.sinks.forEach((s) => s.header([{ name: 'y', datatype: 'FP32', shape: [ROWS, cols] }]));
    assert.equal(small.message(), undefined);

    const elsewhere = streamed([{ name: 'y', gather: { kind: 'concat', axis: 1 } }], ['z']);
    elsewhere.sinks.forEach((s, p) => s.header([{ name: 'y', datatype: 'FP32', shape: [ROWS, COLS[p]!] }]));
    assert.equal(elsewhere.message(), undefined);
  });
});
