import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { credentials, Server, ServerCredentials, type ServiceDefinition, Client } from '@grpc/grpc-js';
import { ReadWhileWriting, readingWhileWriting } from './read-while-writing.js';

const MiB = 1 << 20;
/** More than both kernels' socket buffers hold on loopback (4 MiB send, 6 MiB receive at most here). */
const BYTES = 48 * MiB;
/** Large enough that HTTP/2 flow control never holds either side back. */
const WINDOW = 2 ** 31 - 1;
/** Every socket either side opened: a stalled session's own destroy leaves its socket open. */
const sockets = new Set<net.Socket>();

/**
 * A server that answers a stream's headers at once with BYTES of its own while the request's BYTES
 * are still arriving, as a shard answers one call while the router sends the next call's inputs.
 */
async function echoSizedServer(): Promise<{ port: number; close(): Promise<void> }> {
  const server = http2.createServer({ settings: { initialWindowSize: WINDOW } });
  server.on('connection', (socket: net.Socket) => sockets.add(socket));
  server.on('session', (session) => session.setLocalWindowSize(WINDOW));
  server.on('stream', (stream) => {
    stream.respond({ ':status': 200 });
    stream.on('data', () => undefined);
    stream.end(Buffer.alloc(BYTES, 1));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Sends BYTES on one stream while reading the answer's BYTES; resolves with what arrived, or 'stalled'. */
async function exchange(port: number, wrap: boolean, stallMs: number): Promise<number | 'stalled'> {
  const socket = net.connect(port, '127.0.0.1');
  sockets.add(socket);
  const session = http2.connect(`http://127.0.0.1:${port}`, {
    settings: { initialWindowSize: WINDOW },
    createConnection: () => (wrap ? (new ReadWhileWriting(socket) as unknown as net.Socket) : socket),
  });
  session.on('error', () => undefined);
  session.once('connect', () => session.setLocalWindowSize(WINDOW));
  const stream = session.request({ ':method': 'POST', ':path': '/' });
  let received = 0;
  stream.on('data', (d: Buffer) => (received += d.length));
  stream.on('error', () => undefined);
  stream.end(Buffer.alloc(BYTES, 2));
  const ended = once(stream, 'end').then(() => received);
  const timer = new Promise<'stalled'>((resolve) => setTimeout(() => resolve('stalled'), stallMs).unref());
  const result = await Promise.race([ended, timer]);
  session.destroy();
  return result;
}

void describe('ReadWhileWriting', () => {
  let server: Awaited<ReturnType<typeof echoSizedServer>>;
  before(async () => (server = await echoSizedServer()));
  after(() => server.close());

  test('control: two Node HTTP/2 peers writing more than the socket buffers hold wait for each other for ever', async () => {
    // If this ever completes, Node reads while it writes and the wrapper is no longer needed.
    assert.equal(await exchange(server.port, false, 3_000), 'stalled');
  });

  test('a session over it keeps reading while its own write waits, so both directions complete', async () => {
    assert.equal(await exchange(server.port, true, 30_000), BYTES);
  });

  test('what the peer sent before it closed is still read by a session that was not reading then, and wrote after', async () => {
    const listener = net.createServer((peer) => peer.end('last words'));
    listener.listen(0, '127.0.0.1');
    await once(listener, 'listening');
    try {
      const socket = net.connect((listener.address() as net.AddressInfo).port, '127.0.0.1');
      const stream = new ReadWhileWriting(socket);
      stream.pause(); // as the session does while its own write waits
      await once(socket, 'end');
      stream.write('acknowledged'); // as the session still does for what it reads
      await once(socket, 'close');
      assert.equal(
        stream.destroyed,
        false,
        'the stream went with its socket before its last bytes were read',
      );
      const read: Buffer[] = [];
      stream.on('data', (d: Buffer) => read.push(d));
      stream.resume();
      await once(stream, 'end');
      assert.equal(Buffer.concat(read).toString(), 'last words');
    } finally {
      listener.close();
    }
  });

  test('readingWhileWriting: a grpc-js channel with the wrapped credentials calls as before', async () => {
    const service: ServiceDefinition = {
      Echo: {
        path: '/test.Echo/Echo',
        requestStream: false,
        responseStream: false,
        requestSerialize: (b: Buffer) => b,
        requestDeserialize: (b: Buffer) => b,
        responseSerialize: (b: Buffer) => b,
        responseDeserialize: (b: Buffer) => b,
      },
    };
    const grpcServer = new Server();
    grpcServer.addService(service, {
      Echo: (call: { request: Buffer }, done: (e: null, r: Buffer) => void) => done(null, call.request),
    });
    const port = await new Promise<number>((resolve, reject) =>
      grpcServer.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) =>
        e ? reject(e) : resolve(p),
      ),
    );
    const client = new Client(`127.0.0.1:${port}`, readingWhileWriting(credentials.createInsecure()));
    // Count what the channel's session writes through the wrapper: the call must have gone that way.
    const write = ReadWhileWriting.prototype._write;
    let written = 0;
    ReadWhileWriting.prototype._write = function (chunk, encoding, done) {
      written += chunk.length;
      write.call(this, chunk, encoding, done);
    };
    try {
      const answer = await new Promise<Buffer>((resolve, reject) =>
        client.makeUnaryRequest(
          '/test.Echo/Echo',
          (b: Buffer) => b,
          (b: Buffer) => b,
          Buffer.from('hello'),
          (e, r) => (e ? reject(e) : resolve(r!)),
        ),
      );
      assert.equal(answer.toString(), 'hello');
      assert.ok(written > 0, 'the call went through ReadWhileWriting');
    } finally {
      ReadWhileWriting.prototype._write = write;
      client.close();
      grpcServer.forceShutdown();
    }
  });
});
