import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { connect, type TLSSocket } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { elapsedUs, summarize, type LatencySummary } from '../latency-stats.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SERVER = path.join(HERE, 'tls-socket-server.js');
const RELAY = path.join(HERE, 'tls-relay-server.js');

export interface TlsFloorPoint extends LatencySummary {
  readonly bytes: number;
  /** bytes / p50, in GB/s (10^9 bytes a second). */
  readonly gbPerSec: number;
  readonly command: string;
}

/** The large-tensor suite's floors, running side by side with the mesh they bound. */
export interface TlsFloors {
  /**
   * The floor: `bytes` moved from a Node TLS server process (mutual TLS with the router's and the
   * client's certificates) to this process over loopback, `repeats` times after one warm-up,
   * each timed from sending the 8-byte request to holding the last byte.
   */
  direct(bytes: number, repeats: number): Promise<TlsFloorPoint>;
  /**
   * The relay floor, what a router keeping mutual TLS on both hops can at best reach: the same
   * bytes come from `senders` TLS server processes (one equal part each, as partitions send
   * theirs) through a relay process that decrypts them and encrypts them again for this process,
   * cut through in order (tls-relay-server.ts). It leaves out everything a mesh does besides
   * (ONNX Runtime making the bytes, gRPC framing, HTTP/2, merging), so a figure it misses is out
   * of reach for a router in front of shards on this machine, however lean.
   */
  relay(bytes: number, repeats: number): Promise<TlsFloorPoint>;
  stop(): void;
}

/** Starts the floors' processes for outputs of up to `maxBytes`, connected and idle until asked. */
export async function startTlsFloors(
  certsDir: string,
  maxBytes: number,
  senders: number,
): Promise<TlsFloors> {
  const part = Math.ceil(maxBytes / senders);
  const children: ChildProcess[] = [];
  const sockets: TLSSocket[] = [];
  const stop = (): void => {
    for (const socket of sockets) socket.destroy();
    for (const child of children) child.kill('SIGTERM');
  };
  try {
    const directPort = await startFloorProcess(children, SERVER, [certsDir, String(maxBytes)]);
    const ports: number[] = [];
    for (let i = 0; i < senders; i++)
      ports.push(await startFloorProcess(children, SERVER, [certsDir, String(part)]));
    const relayPort = await startFloorProcess(children, RELAY, [certsDir, ports.join(',')]);
    const direct = await connectClient(certsDir, directPort);
    sockets.push(direct);
    const relay = await connectClient(certsDir, relayPort);
    sockets.push(relay);
    return {
      direct: (bytes, repeats) =>
        timeTransfers(
          direct,
          bytes,
          repeats,
          `node dist/bench/floors/tls-socket-server.js $CERTS ${maxBytes} + the client in bench/floors/tls-socket-floor.ts (${repeats} transfers)`,
        ),
      relay: (bytes, repeats) =>
        timeTransfers(
          relay,
          bytes,
          repeats,
          `${senders} × node dist/bench/floors/tls-socket-server.js $CERTS ${part}, node dist/bench/floors/tls-relay-server.js $CERTS PORTS + the client in bench/floors/tls-socket-floor.ts (${repeats} transfers)`,
        ),
      stop,
    };
  } catch (error) {
    stop();
    throw error;
  }
}

/** Starts `script` with `args`, adds it to `children` and resolves with the port it listens on. */
async function startFloorProcess(children: ChildProcess[], script: string, args: string[]): Promise<number> {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${path.basename(script)} exited (${code})`)));
    createInterface({ input: child.stdout! }).once('line', (line) => {
      resolve((JSON.parse(line) as { port: number }).port);
    });
  });
}

/** A mutual TLS connection to `port` with the client's certificate. */
async function connectClient(certsDir: string, port: number): Promise<TLSSocket> {
  const file = (name: string): Promise<Buffer> => readFile(path.join(certsDir, name));
  const socket = connect({
    host: '127.0.0.1',
    port,
    ca: await file('ca.pem'),
    cert: await file('client.pem'),
    key: await file('client-key.pem'),
    checkServerIdentity: () => undefined,
  });
  await new Promise<void>((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
  return socket;
}

/** Times `repeats` transfers of `bytes` on `socket`, after one untimed. */
async function timeTransfers(
  socket: TLSSocket,
  bytes: number,
  repeats: number,
  command: string,
): Promise<TlsFloorPoint> {
  await fetchBytes(socket, bytes);
  const samples: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = process.hrtime.bigint();
    await fetchBytes(socket, bytes);
    samples.push(elapsedUs(t0));
  }
  const summary = summarize(samples);
  return { ...summary, bytes, gbPerSec: bytes / (summary.p50Us * 1e3), command };
}

/** Asks for `bytes` and resolves once that many have arrived. */
function fetchBytes(socket: TLSSocket, bytes: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let received = 0;
    const onData = (data: Buffer): void => {
      received += data.length;
      if (received >= bytes) {
        socket.off('data', onData);
        socket.off('error', reject);
        resolve();
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
    const request = Buffer.alloc(8);
    request.writeBigUInt64LE(BigInt(bytes));
    socket.write(request);
  });
}
