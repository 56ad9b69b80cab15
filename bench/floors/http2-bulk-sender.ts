/**
 * A sender of the large-tensor relay floor on node:http2 without grpc-js (experiment): the same
 * relay stream as grpc-bulk-sender.ts, wire-compatible gRPC framed by hand.
 *
 * Usage: node dist/bench/floors/http2-bulk-sender.js CERTS_DIR MAX_BYTES
 */
import http2 from 'node:http2';
import { takeFrameBuffer, releaseFrame } from '../../lib/grpc/frame-pool.js';
import { DEFAULT_CHUNK_BYTES } from '../../lib/tensor/chunks.js';
import { storedTls } from './floor-server.js';

const [certsDir, maxBytes] = process.argv.slice(2);
if (!certsDir || !maxBytes) throw new Error('usage: http2-bulk-sender.js CERTS_DIR MAX_BYTES');
const source = Buffer.alloc(Number(maxBytes), 0x3f);
const WINDOW = 16 << 20;
const tls = storedTls(certsDir, 'shard-0');

const server = http2.createSecureServer({
  key: tls.keyPem,
  cert: tls.certPem,
  ca: tls.caPem,
  requestCert: true,
  rejectUnauthorized: true,
  minVersion: 'TLSv1.3',
  settings: { initialWindowSize: WINDOW, maxFrameSize: (1 << 24) - 1 },
});
server.on('session', (session) => session.setLocalWindowSize(WINDOW));
server.on('stream', (stream) => {
  stream.respond({ ':status': 200, 'content-type': 'application/grpc' });
  let pending: Buffer = Buffer.alloc(0);
  stream.on('data', (data: Buffer) => {
    pending = pending.length ? Buffer.concat([pending, data]) : data;
    while (pending.length >= 5 && pending.length >= 5 + pending.readUInt32BE(1)) {
      const message = pending.subarray(5, 5 + pending.readUInt32BE(1));
      pending = pending.subarray(5 + message.length);
      const id = message.readUInt32BE(0);
      const bytes = Math.min(Number(message.readBigUInt64LE(4)), source.length);
      for (let at = 0; at < bytes; at += DEFAULT_CHUNK_BYTES) {
        const n = Math.min(DEFAULT_CHUNK_BYTES, bytes - at);
        const frame = takeFrameBuffer(9 + n);
        frame[0] = 0;
        frame.writeUInt32BE(4 + n, 1);
        frame.writeUInt32BE(id, 5);
        source.copy(frame, 9, at, at + n);
        stream.write(frame, () => releaseFrame(frame));
      }
    }
  });
  stream.on('end', () => stream.end());
  stream.on('error', () => undefined);
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(
    `${JSON.stringify({ event: 'listening', port: typeof address === 'object' && address ? address.port : 0 })}\n`,
  );
});
process.on('SIGTERM', () => process.exit(0));
