// Why this SDK's connections to the router (and the router's to its shards, and `shardmesh
// infer`'s to the router, which use this file through lib/grpc/read-while-writing.ts) run through
// a JavaScript stream.
//
// Node's HTTP/2 session stops reading its socket while one of its own writes is still on the way
// to the kernel (node_http2.cc, `MaybeStopReading`: "want_read == 0 || is_write_in_progress"), and
// starts again once that write has gone. Between two Node peers that is a deadlock waiting for
// enough bytes: when each side has more queued for the other than the two kernels' socket buffers
// hold, each write waits for the other side to read, and neither reads until its write is done.
// The router and a shard are two Node peers on one connection carrying inputs one way and outputs
// the other. The bench's overhead suite met it with PP-OCR's recogniser cut in two (rec-p2, c=16,
// 184 KiB inputs and megabytes of intermediate tensors both ways): the router's and the shard's
// sockets each held megabytes unread in both directions (`ss -tn`), both processes idle, every
// call waiting for its deadline, and the connection never recovered.
//
// Here the HTTP/2 session's socket is a Duplex that never holds its writer back: a write is
// handed to the TLS socket, which queues what the kernel cannot take yet, and reported done at
// once, so the session never has a write in progress for long and keeps reading; and the TLS
// socket is read whatever the session is doing, into this stream's buffer. One side that always
// reads is enough to break the cycle: the shard's writes always drain, so the shard always reads.
// Memory stays bounded by HTTP/2 flow control, as before: the session cannot send more DATA than
// the shard's receive window allows, nor the shard more than the router's.
//
// A Node client and the router are two such peers too (the router's HTTP/2 server is grpc-js's,
// with no such hook), so this SDK's client and the CLI's connect this way as well. With the
// kernel's socket buffers capped at 128 KiB (as a connection on a real network starts), 16
// concurrent calls of PP-OCR's recogniser (184 KiB in, 1 MiB out) through this SDK stalled after
// the first round, every later call running into its deadline; connected this way, none did.
//
// The one implementation lives here because the SDK is published on its own and may import
// nothing outside its src/; lib/grpc/read-while-writing.ts passes it on to the router and CLI.
//
// The cost is a JavaScript hop and a copy per socket read and write (Node runs an HTTP/2 session
// over a plain Duplex through its JSStreamSocket): measured in the README ("Memory bounds").

import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import type { ChannelCredentials } from '@grpc/grpc-js';

/** A connected (TLS) socket as an HTTP/2 session's transport that reads while it writes. */
export class ReadWhileWriting extends Duplex {
  /** The peer has sent its end: its last bytes are queued here for the session. */
  #peerEnded = false;

  constructor(private readonly socket: Socket) {
    super({ allowHalfOpen: true });
    // Pushed whether or not the session is reading now: it reads it all once its write is done.
    socket.on('data', (data: Buffer) => this.push(data));
    socket.on('end', () => {
      this.#peerEnded = true;
      this.push(null);
    });
    socket.on('error', (error) => this.destroy(error));
    // A peer that sent its last bytes and closed: the session may not have read them yet (it was
    // writing), so they are delivered before this stream goes; a socket that closed without its
    // end (reset, error) takes the stream with it at once.
    socket.on('close', () => {
      if (!this.#peerEnded || this.readableLength === 0) this.destroy();
      else this.once('end', () => this.destroy());
    });
  }

  override _read(): void {
    // Reading never stops (see the constructor); nothing to start.
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    if (this.#writable) this.socket.write(chunk);
    done();
  }

  override _writev(chunks: { chunk: Buffer }[], done: (error?: Error | null) => void): void {
    if (this.#writable) {
      this.socket.cork();
      for (const { chunk } of chunks) this.socket.write(chunk);
      this.socket.uncork();
    }
    done();
  }

  /**
   * Whether bytes may go to the socket: not after the peer's end, when a TLS socket that is not
   * half-open has ended its own side, and a write (the session still acknowledges what it reads)
   * would fail it with "ended by the other party" before the session read the peer's last bytes.
   * A shard that drains sends its last answers and closes just so.
   */
  get #writable(): boolean {
    return !this.#peerEnded || this.socket.allowHalfOpen;
  }

  override _final(done: (error?: Error | null) => void): void {
    this.socket.end();
    done();
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    this.socket.destroy();
    done(error);
  }
}

/** grpc-js's connector of a channel's connections (1.14: `SecureConnector`, not exported). */
interface SecureConnector {
  connect(socket: Socket): Promise<{ socket: Socket; secure: boolean }>;
  waitForReady(): Promise<void>;
  getCallCredentials(): unknown;
  destroy(): void;
}

/** The credentials' method grpc-js asks for a connector (declared on the public class). */
interface MakesConnectors {
  _createSecureConnector(...args: unknown[]): SecureConnector;
}

/**
 * `credentials` whose connections carry their HTTP/2 session over `ReadWhileWriting`. grpc-js
 * asks a channel's credentials for a connector that turns each new TCP socket into the socket the
 * session runs on; this one lets the original connector do the TLS handshake (and its identity
 * check) and wraps the socket it returns.
 */
export function readingWhileWriting(credentials: ChannelCredentials): ChannelCredentials {
  const inner = credentials as unknown as MakesConnectors;
  if (typeof inner._createSecureConnector !== 'function')
    throw new TypeError(
      'read-while-writing: these grpc-js credentials make no connectors (_createSecureConnector)',
    );
  const wrapped = Object.create(credentials) as MakesConnectors;
  wrapped._createSecureConnector = (...args: unknown[]): SecureConnector => {
    const connector = inner._createSecureConnector(...args);
    return {
      connect: async (socket) => {
        const connected = await connector.connect(socket);
        return { ...connected, socket: new ReadWhileWriting(connected.socket) as unknown as Socket };
      },
      waitForReady: () => connector.waitForReady(),
      getCallCredentials: () => connector.getCallCredentials(),
      destroy: () => connector.destroy(),
    };
  };
  return wrapped as unknown as ChannelCredentials;
}
