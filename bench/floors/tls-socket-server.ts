/**
 * The far end of the large-tensor floor, run as its own process (as the router is): a Node TLS
 * server with the router's certificate that asks for a client certificate, as the router does,
 * and answers each 8-byte request (a little-endian byte count) with that many bytes.
 *
 * Usage: node dist/bench/floors/tls-socket-server.js CERTS_DIR MAX_BYTES
 * Prints {"event":"listening","port":N} on stdout when ready.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createServer } from 'node:tls';

const [certsDir, maxBytes] = process.argv.slice(2);
if (!certsDir || !maxBytes) throw new Error('usage: tls-socket-server.js CERTS_DIR MAX_BYTES');
const payload = Buffer.alloc(Number(maxBytes), 7);
const file = (name: string): Buffer => readFileSync(path.join(certsDir, name));

const server = createServer(
  {
    key: file('router-key.pem'),
    cert: file('router.pem'),
    ca: file('ca.pem'),
    requestCert: true,
    rejectUnauthorized: true,
  },
  (socket) => {
    let pending = Buffer.alloc(0);
    socket.on('data', (data: Buffer) => {
      pending = Buffer.concat([pending, data]);
      while (pending.length >= 8) {
        const bytes = Number(pending.readBigUInt64LE(0));
        pending = pending.subarray(8);
        socket.write(payload.subarray(0, bytes));
      }
    });
    socket.on('error', () => socket.destroy());
  },
);
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.stdout.write(`${JSON.stringify({ event: 'listening', port })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
