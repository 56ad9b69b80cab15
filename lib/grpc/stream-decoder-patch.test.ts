import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { installDecoderPatch, POOLED_FRAME_MIN_BYTES, releaseReceived } from './stream-decoder-patch.js';

const require = createRequire(import.meta.url);
const { StreamDecoder } = require('@grpc/grpc-js/build/src/stream-decoder.js') as {
  StreamDecoder: new (maxReadMessageLength: number) => { write(data: Buffer): Buffer[] };
};

assert.ok(installDecoderPatch(), 'the decoder patch installs on the checked grpc-js release');

/** A gRPC frame: flag 0, big-endian length, `length` bytes counting up from `seed`. */
function frame(length: number, seed: number): Buffer {
  const f = Buffer.alloc(5 + length);
  f.writeUInt32BE(length, 1);
  for (let i = 0; i < length; i++) f[5 + i] = (seed + i) & 0xff;
  return f;
}

/** Splits `bytes` into pieces at pseudo-random points, some inside a prefix. */
function pieces(bytes: Buffer, seed: number): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  let x = seed;
  while (at < bytes.length) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    const n = [1, 2, 3, 7, 4096, 16384, 70000][x % 7]!;
    // Each piece its own memory, as Node hands HTTP/2 DATA chunks on.
    out.push(Buffer.from(bytes.subarray(at, at + n)));
    at += n;
  }
  return out;
}

void test('frames come out whole and in order however the stream is cut, prefix included', () => {
  const sizes = [0, 1, 4, 5, 100, POOLED_FRAME_MIN_BYTES - 6, POOLED_FRAME_MIN_BYTES + 1, 200_000, 0, 3];
  const frames = sizes.map((n, i) => frame(n, i * 31));
  for (let seed = 1; seed <= 20; seed++) {
    const decoder = new StreamDecoder(-1);
    const out = pieces(Buffer.concat(frames), seed).flatMap((p) => decoder.write(p));
    assert.deepEqual(
      out.map((f) => f.toString('hex')),
      frames.map((f) => f.toString('hex')),
      `cut ${seed}`,
    );
  }
});

void test('a large frame within one chunk is a view of that chunk; a small one a copy, as grpc-js makes', () => {
  const chunk = Buffer.concat([frame(POOLED_FRAME_MIN_BYTES, 1), frame(20, 2)]);
  const out = new StreamDecoder(-1).write(chunk);
  assert.equal(out.length, 2);
  assert.equal(out[0]!.buffer, chunk.buffer);
  assert.equal(out[0]!.byteOffset, chunk.byteOffset);
  assert.notEqual(out[1]!.buffer, chunk.buffer);
  assert.deepEqual(out[1], frame(20, 2));
});

void test("a frame over the limit is refused in grpc-js's words", () => {
  assert.throws(
    () => new StreamDecoder(10).write(frame(11, 0)),
    /^Error: Received message larger than max \(11 vs 10\)$/,
  );
});

void test('memory of an assembled frame, handed back, takes the next large frame', () => {
  const decoder = new StreamDecoder(-1);
  const whole = (length: number, seed: number): Buffer =>
    pieces(frame(length, seed), 7)
      .flatMap((p) => decoder.write(p))
      .at(0)!;
  const first = whole(POOLED_FRAME_MIN_BYTES, 1);
  const memory = first.buffer;
  assert.deepEqual(first, frame(POOLED_FRAME_MIN_BYTES, 1));
  const kept = whole(POOLED_FRAME_MIN_BYTES, 2);
  assert.notEqual(kept.buffer, memory, 'not handed back: the next frame gets other memory');
  releaseReceived(first.subarray(5));
  const third = whole(POOLED_FRAME_MIN_BYTES, 3);
  assert.equal(third.buffer, memory, 'handed back: reused');
  assert.deepEqual(third, frame(POOLED_FRAME_MIN_BYTES, 3));
  assert.deepEqual(kept, frame(POOLED_FRAME_MIN_BYTES, 2), 'a frame not handed back is left alone');
  const small = whole(100_000, 4);
  releaseReceived(small);
  assert.notEqual(whole(100_000, 5).buffer, small.buffer, 'a smaller frame is its own, never pooled');
});
