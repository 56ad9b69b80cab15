import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { credentials, Server, ServerCredentials, status as Status, type Client } from '@grpc/grpc-js';
import type { ShardRequestKind, WireTensorSpec } from '../../lib/grpc/shard-messages.js';
import { shardServiceDefinition, ShardServiceClient } from '../../lib/grpc/shard-service.js';
import { createLogger } from '../../lib/log.js';
import { decodeBytes, encodeBytes } from '../../lib/tensor/bytes.js';
import { elementCount, type Tensor, type TensorSpec } from '../../lib/tensor/tensor.js';
import type { ModelRunner } from './model-runner.js';
import { ShardStream, type InferStream } from './shard-stream.js';
import { inferOnce } from './shard-test-stream.js';

/** Each string reversed, in plain JavaScript: a BYTES runner without ONNX. */
class ReversingRunner implements ModelRunner {
  readonly inputs: readonly TensorSpec[] = [{ name: 'words', datatype: 'BYTES', shape: [-1, 3] }];
  readonly outputNames = ['drow'];
  readonly weightBytes = 0;
  readonly seen: Tensor[] = [];

  run(inputs: readonly Tensor[]): Promise<Tensor[]> {
    const words = inputs[0]!;
    this.seen.push(words);
    const reversed = decodeBytes(words.data, elementCount(words.shape)).map((b) => Buffer.from(b).reverse());
    return Promise.resolve([
      { name: 'drow', datatype: 'BYTES', shape: [...words.shape], data: encodeBytes(reversed) },
    ]);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

const header = (input: Partial<WireTensorSpec>): ShardRequestKind => ({
  kind: 'header',
  header: {
    request_id: 'r1',
    model: 'm',
    version: '1',
    stage: 'main',
    partition: 0,
    inputs: [{ name: 'words', datatype: 'BYTES', shape: [2, 3], ...input }],
  },
});

/** `data` in chunks of `bytes`, cut anywhere (inside elements and prefixes), last one first. */
function chunksOf(data: Buffer, bytes: number): ShardRequestKind[] {
  const out: ShardRequestKind[] = [];
  for (let at = 0; at < data.length; at += bytes)
    out.push({ kind: 'chunk', chunk: { tensor: 0, offset: at, data: data.subarray(at, at + bytes) } });
  return out.reverse();
}

void describe('a shard call with BYTES tensors', () => {
  const runner = new ReversingRunner();
  const words = ['alpha', '', 'gamma-ray', 'δέλτα', 'e', 'a longer element than any chunk is wide'];
  const data = encodeBytes(words);
  let server: Server;
  let client: Client;

  before(async () => {
    server = new Server();
    server.addService(shardServiceDefinition, {
      Infer: (call: InferStream) => {
        new ShardStream(call, {
          runner: (key) => (key === 'm/1/main/0' ? runner : undefined),
          chunkBytes: 16,
          instanceId: 'test',
          log: createLogger('test', 'silent'),
          refuseNewCalls: () => undefined,
        });
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
    client = new ShardServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
  });

  after(() => {
    client.close();
    server.forceShutdown();
  });

  test('input chunks cut inside elements are assembled whole before decoding; outputs stream with their byte_size', async () => {
    const outcome = await inferOnce(client, [header({ byte_size: data.length }), ...chunksOf(data, 7)]);
    assert.equal(outcome.error, undefined);
    assert.ok(runner.seen.at(-1)!.data.equals(data));
    const [first, ...rest] = outcome.messages;
    const expected = encodeBytes(words.map((w) => Buffer.from(w).reverse()));
    assert.ok(first?.kind === 'header');
    assert.deepEqual(first.header.outputs, [
      { name: 'drow', datatype: 'BYTES', shape: [2, 3], byte_size: expected.length },
    ]);
    const out = Buffer.alloc(expected.length);
    for (const m of rest.slice(0, -1)) {
      assert.ok(m.kind === 'chunk' && m.chunk.data.length <= 16);
      m.chunk.data.copy(out, m.chunk.offset);
    }
    assert.ok(out.equals(expected));
    assert.equal(rest.at(-1)?.kind, 'trailer');
  });

  test('a byte_size below the length prefixes the shape needs is INVALID_ARGUMENT', async () => {
    const outcome = await inferOnce(client, [
      header({ byte_size: 23 }),
      ...chunksOf(data.subarray(0, 23), 7),
    ]);
    assert.equal(outcome.error?.code, Status.INVALID_ARGUMENT);
    assert.match(
      outcome.error.details,
      /input 0 "words": byte_size 23 is less than the 24 bytes the length prefixes of shape \[2,3\] take/,
    );
  });

  test('bytes whose prefixes do not make up the shape are INVALID_ARGUMENT naming the input, not run', async () => {
    const seen = runner.seen.length;
    const five = encodeBytes(words.slice(0, 5));
    // A sixth element whose prefix claims 9 bytes that never come.
    const padded = Buffer.concat([five, Buffer.alloc(4)]);
    padded.writeUInt32LE(9, five.length);
    const outcome = await inferOnce(client, [header({ byte_size: padded.length }), ...chunksOf(padded, 5)]);
    assert.equal(outcome.error?.code, Status.INVALID_ARGUMENT);
    assert.match(
      outcome.error.details,
      /^input "words" \(BYTES\): element 5's length prefix says 9 bytes, past the end/,
    );
    assert.equal(runner.seen.length, seen);
  });
});
