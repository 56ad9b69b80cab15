/**
 * The middle of the large-tensor relay floor, run as its own process (as the router is): the least
 * a router can do with a large answer while keeping mutual TLS on both hops. It holds one mutual
 * TLS connection to each sender (tls-socket-server.js processes, standing in for the shards) and
 * answers each 8-byte request (a little-endian byte count) by asking every sender for its equal
 * part and writing the parts to the client in sender order, each byte as soon as the parts before
 * it are complete (a concat gather, cut through). No framing, no parsing, no copy in JavaScript:
 * what is left is decrypting every byte from the senders and encrypting it again for the client.
 *
 * Usage: node dist/bench/floors/tls-relay-server.js CERTS_DIR SENDER_PORT[,SENDER_PORT...]
 * Prints {"event":"listening","port":N} on stdout when ready.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { connect, createServer, type TLSSocket } from 'node:tls';

const [certsDir, ports] = process.argv.slice(2);
if (!certsDir || !ports) throw new Error('usage: tls-relay-server.js CERTS_DIR SENDER_PORT[,SENDER_PORT...]');
const file = (name: string): Buffer => readFileSync(path.join(certsDir, name));
const tls = { key: file('router-key.pem'), cert: file('router.pem'), ca: file('ca.pem') };

/** One sender's connection and the bytes it still owes the request in flight. */
interface Sender {
  readonly socket: TLSSocket;
  owed: number;
  /** Bytes that arrived while an earlier sender's part was still incomplete. */
  held: Buffer[];
}

const senders: Sender[] = await Promise.all(
  ports.split(',').map(
    (port) =>
      new Promise<Sender>((resolve, reject) => {
        const socket = connect({
          host: '127.0.0.1',
          port: Number(port),
          ...tls,
          checkServerIdentity: () => undefined,
        });
        socket.once('secureConnect', () => resolve({ socket, owed: 0, held: [] })).once('error', reject);
      }),
  ),
);

/** The client of the request in flight (the floor sends one request at a time). */
let client: TLSSocket | undefined;
/** The sender whose part goes to the client now; the ones after it hold what arrives. */
let current = 0;

function pass(from: number, data: Buffer): void {
  const sender = senders[from]!;
  sender.owed -= data.length;
  if (from === current) client?.write(data);
  else sender.held.push(data);
  // The current part complete: the next sender's held bytes go out, and so on while parts are done.
  while (current < senders.length && senders[current]!.owed === 0) {
    current++;
    const next = senders[current];
    if (next) for (const held of next.held.splice(0)) client?.write(held);
  }
}

senders.forEach((sender, i) => sender.socket.on('data', (data: Buffer) => pass(i, data)));

function ask(bytes: number): void {
  current = 0;
  const part = Math.floor(bytes / senders.length);
  senders.forEach((sender, i) => {
    sender.owed = i === senders.length - 1 ? bytes - part * i : part;
    const request = Buffer.alloc(8);
    request.writeBigUInt64LE(BigInt(sender.owed));
    sender.socket.write(request);
  });
}

const server = createServer({ ...tls, requestCert: true, rejectUnauthorized: true }, (socket) => {
  client = socket;
  let pending = Buffer.alloc(0);
  socket.on('data', (data: Buffer) => {
    pending = Buffer.concat([pending, data]);
    while (pending.length >= 8) {
      ask(Number(pending.readBigUInt64LE(0)));
      pending = pending.subarray(8);
    }
  });
  socket.on('error', () => socket.destroy());
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.stdout.write(`${JSON.stringify({ event: 'listening', port })}\n`);
});
process.on('SIGTERM', () => {
  senders.forEach((s) => s.socket.destroy());
  server.close(() => process.exit(0));
});
