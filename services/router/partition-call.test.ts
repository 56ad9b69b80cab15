import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import { status as Status } from '@grpc/grpc-js';
import { isGrpcError, ServiceError } from '../../lib/grpc/service-error.js';
import { deserializeShardRequest } from '../../lib/grpc/shard-codec.js';
import { writtenMessages } from '../../lib/grpc/grpc-frame.js';
import type { ShardRequestMessage, ShardResponseMessage } from '../../lib/grpc/shard-messages.js';
import type { ShardInstance } from '../../registry/registry.js';
import { callPartition, type PartitionCall } from './partition-call.js';
import type { ShardClients } from './shard-clients.js';
import { MuxStream, type InferDuplex } from './shard-stream-pool.js';

/** A shard stream that records what the router writes and answers only when the test says. */
class FakeDuplex extends EventEmitter {
  readonly written: ShardRequestMessage[] = [];
  /** The messages of each write, by kind. */
  readonly writes: string[][] = [];
  /** MuxStream writes serialized frames, a call's several together; the fake reads them back as messages. */
  write(frame: Buffer): boolean {
    const messages = writtenMessages(frame).map(deserializeShardRequest);
    this.written.push(...messages);
    this.writes.push(messages.map((m) => m.kind));
    return true;
  }
  end(): void {}
}

function setup(): { fake: FakeDuplex; clients: ShardClients } {
  const fake = new FakeDuplex();
  const mux = new MuxStream(fake as unknown as InferDuplex, () => undefined);
  return { fake, clients: { stream: () => mux } as unknown as ShardClients };
}

const instance = { id: 'shard-a' } as ShardInstance;

function partitionCall(overrides: Partial<PartitionCall> = {}): PartitionCall {
  return {
    instance,
    header: { request_id: 'r', model: 'm', version: '1', stage: 's', partition: 0, inputs: [] },
    inputs: [{ name: 'x', datatype: 'FP32', shape: [2], data: Buffer.alloc(8) }],
    deadline: new Date(Date.now() + 30_000),
    signal: new AbortController().signal,
    chunkBytes: 4,
    sink: { header: () => undefined, chunk: () => undefined },
    ...overrides,
  };
}

const cancels = (fake: FakeDuplex): number[] =>
  fake.written.flatMap((m) => (m.kind === 'cancel' ? [m.cancel.code] : []));

void test('the header carries the time left before the deadline; the inputs follow as chunks of its call', async () => {
  const { fake, clients } = setup();
  const done = callPartition(clients, partitionCall({ deadline: new Date(Date.now() + 5_000) }));
  await new Promise((r) => setImmediate(r));
  const [header, ...chunks] = fake.written;
  assert.ok(header?.kind === 'header');
  assert.ok(header.header.timeout_us! > 4_000_000 && header.header.timeout_us! <= 5_000_000);
  assert.deepEqual(
    chunks.map((m) => (m.kind === 'chunk' ? [m.call_id, m.chunk.offset, m.chunk.data.length] : m.kind)),
    [
      [header.call_id, 0, 4],
      [header.call_id, 4, 4],
    ],
  );
  const trailer = { receive_us: 1, compute_us: 2, instance_id: 'a' };
  fake.emit('data', { call_id: header.call_id, kind: 'trailer', trailer } satisfies ShardResponseMessage);
  assert.deepEqual(await done, trailer);
});

void test("a call's messages go in writes of one chunk's bytes at most, the header with the first chunk; inputs of one write inside the header", async () => {
  const inputs = [
    { name: 'x', datatype: 'FP32', shape: [2], data: Buffer.alloc(8) },
    { name: 'k', datatype: 'INT64', shape: [1], data: Buffer.alloc(8) },
  ] as const;
  for (const [chunkBytes, writes] of [
    [16, [['header']]], // both chunks inside the header: one message
    [8, [['header', 'chunk'], ['chunk']]],
    [4, [['header', 'chunk'], ['chunk'], ['chunk']]], // an INT64 element is never cut
  ] as const) {
    const { fake, clients } = setup();
    const done = callPartition(clients, partitionCall({ inputs, chunkBytes }));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(fake.writes, writes, `chunks of ${chunkBytes} bytes`);
    const header = fake.written[0]!;
    assert.ok(header.kind === 'header');
    assert.equal(header.header.whole_answer, true, 'the router takes a small answer whole');
    assert.deepEqual(
      header.header.chunks?.map((c) => [c.tensor, c.offset, c.data.length]),
      writes.length === 1
        ? [
            [0, 0, 8],
            [1, 0, 8],
          ]
        : undefined,
    );
    const trailer = { receive_us: 1, compute_us: 2, instance_id: 'a' };
    fake.emit('data', { call_id: fake.written[0]!.call_id, kind: 'trailer', trailer });
    await done;
  }
});

void test('a whole answer (a header carrying chunks and the trailer) feeds the sink as if it had come apart', async () => {
  const { fake, clients } = setup();
  const heard: unknown[] = [];
  const done = callPartition(
    clients,
    partitionCall({
      sink: {
        header: (specs) => heard.push(specs.map((s) => s.name)),
        chunk: (tensor, offset, data) => heard.push([tensor, offset, data.length]),
      },
    }),
  );
  const trailer = { receive_us: 1, compute_us: 2, instance_id: 'a' };
  fake.emit('data', {
    call_id: fake.written[0]!.call_id,
    kind: 'header',
    header: {
      outputs: [{ name: 'y', datatype: 'FP32', shape: [3] }],
      chunks: [
        { tensor: 0, offset: 0, data: Buffer.alloc(8) },
        { tensor: 0, offset: 8, data: Buffer.alloc(4) },
      ],
      trailer,
    },
  } satisfies ShardResponseMessage);
  assert.deepEqual(await done, trailer);
  assert.deepEqual(heard, [['y'], [0, 0, 8], [0, 8, 4]]);
});

void test('a deadline that passes rejects DEADLINE_EXCEEDED and sends the shard a cancel for this call', async () => {
  const { fake, clients } = setup();
  await assert.rejects(
    callPartition(clients, partitionCall({ deadline: new Date(Date.now() + 30) })),
    (e: unknown) => isGrpcError(e) && e.code === Status.DEADLINE_EXCEEDED,
  );
  assert.deepEqual(cancels(fake), [Status.DEADLINE_EXCEEDED]);
});

void test('an abort rejects CANCELLED and sends the shard a cancel for this call', async () => {
  const { fake, clients } = setup();
  const abort = new AbortController();
  const done = callPartition(clients, partitionCall({ signal: abort.signal }));
  abort.abort();
  await assert.rejects(done, (e: unknown) => e instanceof ServiceError && e.code === Status.CANCELLED);
  assert.deepEqual(cancels(fake), [Status.CANCELLED]);
});

void test("the shard's in-band error rejects as a gRPC error with its code; no cancel follows it", async () => {
  const { fake, clients } = setup();
  const done = callPartition(clients, partitionCall());
  const id = fake.written[0]!.call_id;
  fake.emit('data', { call_id: id, kind: 'error', error: { code: 14, message: 'draining' } });
  await assert.rejects(
    done,
    (e: unknown) => isGrpcError(e) && e.code === Status.UNAVAILABLE && e.details === 'draining',
  );
  assert.deepEqual(cancels(fake), []);
});

void test("a sink that refuses the shard's output cancels the call and rejects with the gather's status", async () => {
  const { fake, clients } = setup();
  const done = callPartition(
    clients,
    partitionCall({
      sink: {
        header: () => {
          throw new Error('not the plan');
        },
        chunk: () => undefined,
      },
    }),
  );
  const id = fake.written[0]!.call_id;
  fake.emit('data', { call_id: id, kind: 'header', header: { outputs: [] } });
  await assert.rejects(done);
  assert.deepEqual(cancels(fake), [Status.CANCELLED]);
});
