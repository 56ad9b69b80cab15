import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Duplex } from 'node:stream';
import {
  credentials,
  makeGenericClientConstructor,
  Server,
  ServerCredentials,
  type ClientDuplexStream,
  type ServerDuplexStream,
  type ServiceDefinition,
} from '@grpc/grpc-js';
import { FRAME_POOL_MIN_BYTES } from './frame-pool.js';
import { framedMessage, installFramePatch } from './grpc-frame.js';
import { installWriteBatching, mayCompleteEarly, onceCompleted } from './write-batching.js';

const pass = (b: Buffer): Buffer => b;

/** A bidirectional method whose messages are the bytes written, both ways. */
const definition: ServiceDefinition = {
  Talk: {
    path: '/test.Batching/Talk',
    requestStream: true,
    responseStream: true,
    requestSerialize: pass,
    requestDeserialize: pass,
    responseSerialize: pass,
    responseDeserialize: pass,
  },
};

/**
 * What happens on Node's HTTP/2 streams while `act` runs, until `settled` resolves: each message
 * handed to a stream ("write N bytes") and each of those writes done ("written N bytes"), in order.
 * (Http2Stream inherits `write` from Duplex: recording it there sees grpc-js's writes.)
 */
async function http2Writes(act: () => Promise<void>): Promise<string[]> {
  const events: string[] = [];
  const write = Duplex.prototype.write;
  type Callback = (error?: Error | null) => void;
  Duplex.prototype.write = function (this: Duplex, chunk: unknown, ...rest: unknown[]): boolean {
    if (!/Http2Stream$/.test(this.constructor.name) || !Buffer.isBuffer(chunk))
      return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
    const callback = rest.find((r): r is Callback => typeof r === 'function');
    events.push(`write ${chunk.length} bytes`);
    return (write as (...a: unknown[]) => boolean).call(this, chunk, (error?: Error | null) => {
      events.push(`written ${chunk.length} bytes`);
      callback?.(error);
    });
  };
  try {
    await act();
  } finally {
    Duplex.prototype.write = write;
  }
  return events;
}

/** A gRPC frame's length for a message of `n` bytes. */
const framed = (n: number): number => n + 5;

void describe('write batching on real grpc-js streams', () => {
  const server = new Server();
  let client: InstanceType<ReturnType<typeof makeGenericClientConstructor>>;
  /** What the server does with each stream: its test sets it. */
  let onStream: (call: ServerDuplexStream<Buffer, Buffer>) => void = () => undefined;

  before(async () => {
    assert.equal(installWriteBatching(), true, 'the client patch found the grpc-js method it needs');
    assert.equal(installFramePatch(), true, 'the framing patches found the grpc-js methods they need');
    server.addService(definition, { Talk: (call: ServerDuplexStream<Buffer, Buffer>) => onStream(call) });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) =>
        e ? reject(e) : resolve(p),
      ),
    );
    client = new (makeGenericClientConstructor(definition, 'Batching'))(
      `127.0.0.1:${port}`,
      credentials.createInsecure(),
      // As the router's shard clients (shard-clients.ts): with a retry buffer, grpc-js keeps each
      // message for replay and reports its write done at once, before its bytes have left.
      { 'grpc.enable_retries': 0, 'grpc.per_rpc_retry_buffer_size': 0 },
    );
  });

  after(() => {
    client.close();
    server.forceShutdown();
  });

  const open = (): ClientDuplexStream<Buffer, Buffer> =>
    (client['Talk'] as () => ClientDuplexStream<Buffer, Buffer>)
      .call(client)
      .on('data', () => undefined)
      .on('error', () => undefined);

  /** Half-closes `stream` and waits for its status, so no call outlives its test. */
  const finish = (stream: ClientDuplexStream<Buffer, Buffer>): Promise<unknown> => {
    const status = new Promise((resolve) => stream.on('status', resolve));
    stream.end();
    return status;
  };

  // Without the batching, the second message is handed to Node only once the first is written.
  test("a client stream's small messages written together reach Node's HTTP/2 stream together", async () => {
    // The stream's first message waits for its HTTP/2 stream to open; the next ones find it open.
    const opened = new Promise<void>((resolve) => {
      onStream = (call) => call.once('data', () => resolve()).on('end', () => call.end());
    });
    const stream = open();
    stream.write(Buffer.alloc(10));
    await opened;
    const events = await http2Writes(
      () =>
        new Promise<void>((resolve) => {
          stream.write(Buffer.alloc(100));
          stream.write(Buffer.alloc(200), () => resolve());
        }),
    );
    assert.deepEqual(
      events.slice(0, 2),
      [`write ${framed(100)} bytes`, `write ${framed(200)} bytes`],
      events.join(', '),
    );
    await finish(stream);
  });

  test("a server stream's small messages written together reach Node's HTTP/2 stream together", async () => {
    let events: Promise<string[]> | undefined;
    const sent = new Promise<void>((resolve) => {
      onStream = (call) => {
        call.once('data', () =>
          // The answer's first message sends the HTTP/2 headers; the next ones go on the open stream.
          call.write(Buffer.alloc(10), () => {
            events = http2Writes(
              () =>
                new Promise<void>((written) => {
                  call.write(Buffer.alloc(100));
                  call.write(Buffer.alloc(200), () => written());
                }),
            );
            void events.then(() => {
              call.end();
              resolve();
            });
          }),
        );
      };
    });
    const stream = open();
    stream.write(Buffer.alloc(1));
    await sent;
    const order = await events!;
    assert.deepEqual(
      order.slice(0, 2),
      [`write ${framed(100)} bytes`, `write ${framed(200)} bytes`],
      order.join(', '),
    );
    await finish(stream);
  });

  // The router hands a pooled frame back to its pool from the write's callback, and the pool
  // reuses it: if such a frame's write completed early, its bytes would change before Node had
  // sent them. (A server's pooled frames go back after the write itself: server-framing.ts.)
  test('a pooled frame completes only once sent: bytes reused from its callback arrive intact', async () => {
    const size = FRAME_POOL_MIN_BYTES * 4;
    const received = new Promise<Buffer[]>((resolve) => {
      onStream = (call) => {
        const got: Buffer[] = [];
        call.on('data', (b: Buffer) => {
          got.push(b);
          if (got.length === 8) {
            resolve(got);
            call.end();
          }
        });
      };
    });
    const stream = open();
    for (let i = 1; i <= 8; i++) {
      const frame = framedMessage(size).fill(i);
      stream.write(frame, () => frame.fill(0));
    }
    const got = await received;
    got.forEach((b, i) =>
      assert.ok(b.equals(Buffer.alloc(size, i + 1)), `message ${i + 1} arrived as written`),
    );
    await finish(stream);
  });
});

void describe('mayCompleteEarly', () => {
  const stream = (writableLength: number, writableNeedDrain = false, destroyed = false) => ({
    writableLength,
    writableNeedDrain,
    destroyed,
  });

  test('a small write queued on a stream below its high-water mark', () => {
    assert.equal(mayCompleteEarly(stream(105), 0), true);
    assert.equal(mayCompleteEarly(stream(FRAME_POOL_MIN_BYTES + 100), 100 + 1), true);
  });

  test('not a write of pooled size, nor one the stream must drain first, nor none at all', () => {
    assert.equal(mayCompleteEarly(stream(FRAME_POOL_MIN_BYTES), 0), false, 'pooled size');
    assert.equal(mayCompleteEarly(stream(100, true), 0), false, 'over the high-water mark');
    assert.equal(mayCompleteEarly(stream(100), 100), false, 'the call wrote nothing');
    assert.equal(mayCompleteEarly(stream(100, false, true), 0), false, 'destroyed');
  });
});

void describe('onceCompleted', () => {
  test('runs its callback once: early on the next tick, the real completion ignored', async () => {
    let runs = 0;
    const c = onceCompleted(() => runs++);
    c.settle(true);
    assert.equal(runs, 0, 'not synchronously');
    await new Promise((resolve) => process.nextTick(resolve));
    assert.equal(runs, 1);
    c.done();
    assert.equal(runs, 1);
  });

  test('runs at the real completion when it may not complete early', () => {
    let runs = 0;
    const c = onceCompleted(() => runs++);
    c.settle(false);
    c.done();
    c.done();
    assert.equal(runs, 1);
  });
});
