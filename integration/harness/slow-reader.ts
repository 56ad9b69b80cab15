import http2 from 'node:http2';
import { readFile } from 'node:fs/promises';
import type { TlsFiles } from '../../certs/credentials.js';
import { loadInferencePackage } from '../../lib/grpc/protos.js';

/** How a slow reader's call went: the router began its response, or refused it with a status. */
export type SlowReaderOutcome =
  | { readonly kind: 'responding' }
  | { readonly kind: 'status'; readonly code: number; readonly details: string };

/**
 * A client that sends one ModelInfer and never reads the answer: raw node:http2 on a connection of
 * its own, with a small stream window that is never updated (the response stream stays paused),
 * as a client that stopped reading looks to the server. `outcome` resolves with the response's
 * headers: `responding` once the router began to send the response (its bytes then wait in the
 * router), or the status of a trailers-only answer. `close` drops the connection.
 */
export class SlowReader {
  readonly outcome: Promise<SlowReaderOutcome>;
  readonly #session: http2.ClientHttp2Session;

  private constructor(session: http2.ClientHttp2Session, request: Buffer) {
    this.#session = session;
    const stream = session.request({
      ':method': 'POST',
      ':path': '/inference.GRPCInferenceService/ModelInfer',
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    stream.pause();
    this.outcome = new Promise((resolve, reject) => {
      stream.once('response', (headers) => {
        const status = headers['grpc-status'];
        const details = decodeURIComponent(String(headers['grpc-message'] ?? ''));
        resolve(
          status === undefined ? { kind: 'responding' } : { kind: 'status', code: Number(status), details },
        );
      });
      stream.once('error', reject);
      session.once('error', reject);
    });
    const frame = Buffer.alloc(5 + request.length);
    frame.writeUInt32BE(request.length, 1);
    request.copy(frame, 5);
    stream.end(frame);
  }

  static async open(address: string, tls: Required<TlsFiles>, request: object): Promise<SlowReader> {
    const [ca, cert, key] = await Promise.all([
      readFile(tls.caFile),
      readFile(tls.certFile),
      readFile(tls.keyFile),
    ]);
    const session = http2.connect(`https://${address}`, {
      ca,
      cert,
      key,
      settings: { initialWindowSize: 16 << 10 },
    });
    const codec = loadInferencePackage().packageDefinition['inference.ModelInferRequest'] as unknown as {
      serialize(value: object): Buffer;
    };
    return new SlowReader(session, codec.serialize(request));
  }

  close(): void {
    this.#session.destroy();
  }
}
