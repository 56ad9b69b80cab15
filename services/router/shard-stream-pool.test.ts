import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import { status as Status, type ServiceError as GrpcError } from '@grpc/grpc-js';
import { deserializeShardRequest } from '../../lib/grpc/shard-codec.js';
import { writtenMessages } from '../../lib/grpc/grpc-frame.js';
import type { ShardRequestMessage, ShardResponseKind } from '../../lib/grpc/shard-messages.js';
import { grpcError, MuxStream, ShardStreamPool, type InferDuplex } from './shard-stream-pool.js';

/** A stand-in for grpc-js's client duplex stream: records writes, emits what a test says. */
class FakeDuplex extends EventEmitter {
  readonly written: ShardRequestMessage[] = [];
  ended = false;
  full = false;

  /** MuxStream writes serialized frames, a call's several together; the fake reads them back as messages. */
  write(frame: Buffer): boolean {
    this.written.push(...writtenMessages(frame).map(deserializeShardRequest));
    return !this.full;
  }

  end(): void {
    this.ended = true;
  }
}

function recorder(): {
  messages: ShardResponseKind[];
  failures: GrpcError[];
  listener: { message(m: ShardResponseKind): void; streamFailed(e: GrpcError): void };
} {
  const messages: ShardResponseKind[] = [];
  const failures: GrpcError[] = [];
  return {
    messages,
    failures,
    listener: { message: (m) => messages.push(m), streamFailed: (e) => failures.push(e) },
  };
}

const trailer = (id: number) => ({
  call_id: id,
  kind: 'trailer' as const,
  trailer: { receive_us: 0, compute_us: 0, instance_id: 's' },
});

void test("each call hears only its own messages; a closed or cancelled call's later messages are dropped", () => {
  const fake = new FakeDuplex();
  const mux = new MuxStream(fake as unknown as InferDuplex, () => undefined);
  const [a, b] = [recorder(), recorder()];
  const idA = mux.open(a.listener);
  const idB = mux.open(b.listener);
  assert.notEqual(idA, idB);
  fake.emit('data', trailer(idB));
  fake.emit('data', trailer(idA));
  assert.equal(a.messages.length, 1);
  assert.equal(b.messages.length, 1);
  mux.close(idA);
  mux.cancel(idB, Status.DEADLINE_EXCEEDED);
  fake.emit('data', trailer(idA));
  fake.emit('data', trailer(idB));
  assert.equal(a.messages.length + b.messages.length, 2);
  assert.deepEqual(fake.written, [
    { call_id: idB, kind: 'cancel', cancel: { code: Status.DEADLINE_EXCEEDED } },
  ]);
  assert.equal(mux.openCalls, 0);
});

void test('a stream that fails fails every call open on it with UNAVAILABLE, keeping a refusal of this router', () => {
  for (const [ended, expected] of [
    [grpcError(Status.INTERNAL, 'Received RST_STREAM with code 2'), Status.UNAVAILABLE],
    [grpcError(Status.UNAVAILABLE, 'Connection dropped'), Status.UNAVAILABLE],
    [grpcError(Status.PERMISSION_DENIED, 'not a router'), Status.PERMISSION_DENIED],
  ] as const) {
    const fake = new FakeDuplex();
    let dead = 0;
    const mux = new MuxStream(fake as unknown as InferDuplex, () => dead++);
    const calls = [recorder(), recorder(), recorder()];
    for (const c of calls) mux.open(c.listener);
    fake.emit('error', ended);
    fake.emit('status', { code: ended.code, details: ended.details });
    for (const c of calls) {
      assert.equal(c.failures.length, 1, 'each call fails once');
      assert.equal(Status[c.failures[0]!.code], Status[expected]);
      assert.match(c.failures[0]!.details, new RegExp(ended.details));
    }
    assert.equal(dead, 1);
    assert.ok(mux.dead);
  }
  // An error of Node's own stream machinery has no gRPC code: its message says what happened.
  const broken = new FakeDuplex();
  const plain = new MuxStream(broken as unknown as InferDuplex, () => undefined);
  const open = recorder();
  plain.open(open.listener);
  broken.emit('error', new Error('write after end'));
  assert.equal(open.failures[0]?.code, Status.UNAVAILABLE);
  assert.equal(open.failures[0]?.details, 'the shard stream ended: write after end');
  // A stream the shard ends with OK while a call is still open (a drain) fails it too.
  const fake = new FakeDuplex();
  const mux = new MuxStream(fake as unknown as InferDuplex, () => undefined);
  const c = recorder();
  mux.open(c.listener);
  fake.emit('status', { code: Status.OK, details: '' });
  assert.equal(c.failures[0]?.code, Status.UNAVAILABLE);
});

void test('writers wait for drain when the stream is full; a dying stream releases them', async () => {
  const fake = new FakeDuplex();
  const mux = new MuxStream(fake as unknown as InferDuplex, () => undefined);
  const id = mux.open(recorder().listener);
  fake.full = true;
  let done = 0;
  const first = mux.write(id, { kind: 'cancel', cancel: { code: 1 } }).then(() => done++);
  const second = mux.write(id, { kind: 'cancel', cancel: { code: 1 } }).then(() => done++);
  await new Promise((r) => setImmediate(r));
  assert.equal(done, 0, 'both wait: the first for drain, the second behind it');
  assert.equal(fake.written.length, 1);
  fake.full = false;
  fake.emit('drain');
  await first;
  await second;
  assert.equal(fake.written.length, 2);
  fake.full = true;
  const third = mux.write(id, { kind: 'cancel', cancel: { code: 1 } });
  fake.emit('error', grpcError(Status.UNAVAILABLE, 'gone'));
  await third;
});

void test('the pool opens a stream when needed, at most `size`, spreads calls, and replaces a dead stream', () => {
  const opened: FakeDuplex[] = [];
  const pool = new ShardStreamPool(() => {
    const fake = new FakeDuplex();
    opened.push(fake);
    return fake as unknown as InferDuplex;
  }, 2);
  const s1 = pool.pick();
  assert.equal(opened.length, 1);
  assert.equal(pool.pick(), s1, 'an idle stream is reused');
  s1.open(recorder().listener);
  const s2 = pool.pick();
  assert.notEqual(s2, s1, 'a busy stream makes the pool open a second');
  s2.open(recorder().listener);
  s2.open(recorder().listener);
  assert.equal(pool.pick(), s1, 'the least busy stream when the pool is full');
  assert.equal(opened.length, 2);
  opened[0]!.emit('error', grpcError(Status.UNAVAILABLE, 'gone'));
  const s3 = pool.pick();
  assert.notEqual(s3, s1);
  assert.equal(opened.length, 3, 'the dead stream was replaced');
  pool.end();
  assert.ok(opened[1]!.ended && opened[2]!.ended, 'end half-closes every stream');
});
