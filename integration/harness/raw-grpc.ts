import http2 from 'node:http2';
import type { TlsMaterial } from '../../certs/credentials.js';

/** The client's HTTP/2 receive window for the whole connection: room for a 64 MiB answer among others. */
const CONNECTION_WINDOW_BYTES = 64 << 20;

/**
 * gRPC spoken by hand over one node:http2 session, for bytes grpc-js would refuse to send: random
 * message bodies, lying length prefixes, a compressed flag with no codec. Every call ends in one
 * of three ways, and this client tells them apart instead of hiding them behind a deadline:
 * `status` (the server sent grpc-status), `reset` (the stream closed without one), `hang`
 * (nothing came within the call's deadline plus `graceMs`).
 */
export interface RawCallResult {
  readonly ended: 'status' | 'reset' | 'hang';
  /** Why a `reset` call ended: the stream's RST_STREAM code, or the session's GOAWAY. */
  readonly reason?: string;
  /** grpc-status, when `ended` is 'status'. */
  readonly code?: number;
  /** grpc-message, percent-decoded. */
  readonly details: string;
  /** The grpc-message header as it came, percent-encoded: what HTTP/2 header limits apply to. */
  readonly detailsWireBytes: number;
  /** Response messages, without their 5-byte prefixes. */
  readonly messages: readonly Buffer[];
}

/** A gRPC message frame: compressed flag, 4-byte big-endian length, bytes. */
export function frame(message: Uint8Array, options: { compressed?: boolean; length?: number } = {}): Buffer {
  const prefix = Buffer.alloc(5);
  prefix.writeUInt8(options.compressed ? 1 : 0, 0);
  prefix.writeUInt32BE(options.length ?? message.length, 1);
  return Buffer.concat([prefix, message]);
}

/** Cuts a response body into messages; a trailing partial message is dropped. */
function unframe(body: Buffer): Buffer[] {
  const messages: Buffer[] = [];
  for (let at = 0; at + 5 <= body.length;) {
    const length = body.readUInt32BE(at + 1);
    if (at + 5 + length > body.length) break;
    messages.push(body.subarray(at + 5, at + 5 + length));
    at += 5 + length;
  }
  return messages;
}

function decodeMessage(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

export class RawGrpcSession {
  /** Sessions this client opened: 1 while the first connection kept serving. */
  connections = 0;
  #session: http2.ClientHttp2Session | undefined;
  /** The last GOAWAY the server sent, for the reason of the resets it causes. */
  #goaway: string | undefined;

  constructor(
    private readonly address: string,
    private readonly tls: TlsMaterial,
    private readonly graceMs = 30_000,
  ) {}

  #connect(): http2.ClientHttp2Session {
    if (this.#session && !this.#session.closed && !this.#session.destroyed) return this.#session;
    this.connections++;
    const session = http2.connect(`https://${this.address}`, {
      ca: this.tls.caPem,
      // Certificates made for the mesh name localhost; an IP as TLS server name is not allowed.
      servername: 'localhost',
      ...(this.tls.certPem ? { cert: this.tls.certPem, key: this.tls.keyPem } : {}),
      settings: { initialWindowSize: 16 << 20 },
      // Node's default (10 MB of buffered frames) would refuse streams while a 64 MiB answer
      // arrives; grpc-js lifts the limit the same way.
      maxSessionMemory: Number.MAX_SAFE_INTEGER,
    });
    // The connection's receive window too (Node leaves it at 65,535 bytes whatever the streams'
    // setting): with it, every stream's answers shared one 64 KiB window, refilled one round trip
    // at a time, and a stream of three 64 MiB answers among 8 loaded calls passed its 30 s
    // deadline in the router's flow control (`npm run fuzz -- --seed 99 --only 20731` under the
    // load of a full run), as grpc-js's own client would without `grpc-node.flow_control_window`.
    session.once('connect', () => session.setLocalWindowSize(CONNECTION_WINDOW_BYTES));
    // A session error ends its streams, which report `reset`; the next call reconnects.
    session.on('error', () => undefined);
    session.on('goaway', (code: number) => (this.#goaway = `GOAWAY ${code}`));
    this.#session = session;
    return session;
  }

  /**
   * One call on `path` (`/package.Service/Method`): writes `chunks` in order, a macrotask apart
   * (so a server reads some while it answers others), then half-closes.
   */
  call(path: string, chunks: readonly Buffer[], deadlineMs: number): Promise<RawCallResult> {
    const session = this.#connect();
    return new Promise((resolve) => {
      const stream = session.request({
        ':method': 'POST',
        ':path': path,
        'content-type': 'application/grpc',
        te: 'trailers',
        'grpc-timeout': `${deadlineMs}m`,
      });
      const body: Buffer[] = [];
      let settled = false;
      const finish = (
        ended: RawCallResult['ended'],
        headers?: http2.IncomingHttpHeaders,
        reason?: string,
      ): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        const rawDetails = String(headers?.['grpc-message'] ?? '');
        const code = headers?.['grpc-status'];
        resolve({
          ended: code === undefined && ended === 'status' ? 'reset' : ended,
          ...(reason !== undefined ? { reason } : {}),
          ...(code !== undefined ? { code: Number(code) } : {}),
          details: decodeMessage(rawDetails),
          detailsWireBytes: Buffer.byteLength(rawDetails),
          messages: unframe(Buffer.concat(body)),
        });
        // Only a hung call is reset. After a status the stream is half-closed instead: nghttp2's
        // Rapid Reset defence (CVE-2023-44487) ends a session after about 1000 RST_STREAMs, so a
        // client that cancels every answered call loses its connection (a finding of this fuzz).
        if (stream.closed) return;
        if (ended === 'hang') stream.close(http2.constants.NGHTTP2_CANCEL);
        else if (!stream.writableEnded) stream.end();
      };
      const timer = setTimeout(() => finish('hang'), deadlineMs + this.graceMs);
      stream.on('response', (headers) => {
        if (headers['grpc-status'] !== undefined) finish('status', headers);
      });
      stream.on('data', (chunk: Buffer) => body.push(chunk));
      stream.on('trailers', (headers) => finish('status', headers));
      const resetBy = (): string => this.#goaway ?? `RST_STREAM ${stream.rstCode}`;
      stream.on('close', () => finish('reset', undefined, resetBy()));
      stream.on('error', () => finish('reset', undefined, resetBy()));
      const write = (i: number): void => {
        if (settled || stream.closed) return;
        if (i === chunks.length) return void stream.end();
        stream.write(chunks[i]);
        setImmediate(() => write(i + 1));
      };
      write(0);
    });
  }

  close(): void {
    this.#session?.close();
  }
}
