import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { framedBatch, framedMessage, installFramePatch, writtenMessages } from './grpc-frame.js';

const require = createRequire(import.meta.url);
const { CompressionFilter } = require('@grpc/grpc-js/build/src/compression-filter.js') as {
  CompressionFilter: new (
    options: object,
    shared: object,
  ) => { sendCompression: { writeMessage(m: Buffer, compress: boolean): Promise<Buffer> } };
};

/** gRPC's frame of an uncompressed message: flag 0, big-endian length, the message. */
const frameOf = (message: Buffer): Buffer =>
  Buffer.concat([Buffer.from([0, ...[24, 16, 8, 0].map((s) => (message.length >>> s) & 0xff)]), message]);

// The server side (server-framing.ts) is tested with a real grpc-js server in server-framing.test.ts.
void test('a grpc-js client sends a framedMessage as it stands, its prefix in front; other messages as before', async () => {
  assert.equal(installFramePatch(), true, 'the patch found the grpc-js methods it needs');
  const client = new CompressionFilter({}, {}).sendCompression;

  const message = framedMessage(300);
  message.fill(7);
  for (const framed of [await client.writeMessage(message, false)]) {
    assert.ok(framed.equals(frameOf(message)), 'prefix: flag 0, big-endian length, then the message');
    assert.equal(framed.buffer, message.buffer);
    assert.equal(
      framed.byteOffset,
      message.byteOffset - 5,
      'the frame is the memory in front of the message',
    );
  }
  const plain = Buffer.alloc(300, 7);
  for (const framed of [await client.writeMessage(plain, false)]) {
    assert.ok(framed.equals(frameOf(plain)));
    assert.ok(framed.byteOffset !== plain.byteOffset - 5 || framed.buffer !== plain.buffer, 'a copy');
  }
});

void test("a grpc-js client sends a framedBatch's frames as they stand: each message with its own prefix", async () => {
  assert.equal(installFramePatch(), true);
  const client = new CompressionFilter({}, {}).sendCompression;
  const batch = framedBatch([3, 0, 70_000]);
  assert.ok(batch, 'the patches are in place');
  batch.messages.forEach((m, i) => m.fill(i + 1));
  const sent = await client.writeMessage(batch.frames, false);
  assert.equal(sent, batch.frames, 'the same memory, no prefix added');
  assert.ok(sent.equals(Buffer.concat(batch.messages.map(frameOf))), 'prefix, message, prefix, message, ...');
  assert.deepEqual(writtenMessages(sent), batch.messages);
  const plain = Buffer.alloc(3, 1);
  assert.deepEqual(writtenMessages(plain), [plain], 'any other buffer is one message');
});
