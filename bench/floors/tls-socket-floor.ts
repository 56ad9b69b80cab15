import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { connect, type TLSSocket } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { elapsedUs, summarize, type LatencySummary } from '../latency-stats.js';

const SERVER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'tls-socket-server.js');

export interface TlsFloorPoint extends LatencySummary {
  readonly bytes: number;
  /** bytes / p50, in GB/s (10^9 bytes a second). */
  readonly gbPerSec: number;
  readonly command: string;
}

/**
 * The floor of the large-tensor suite: `bytes` moved from a Node TLS server process (mutual TLS
 * with the router's and the client's certificates) to this process over loopback, `repeats` times
 * after one warm-up, each timed from sending the 8-byte request to holding the last byte.
 */
export async function measureTlsFloor(
  certsDir: string,
  sizes: readonly number[],
  repeats: number,
): Promise<TlsFloorPoint[]> {
  const child = spawn(process.execPath, [SERVER, certsDir, String(Math.max(...sizes))], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`tls-socket-server exited (${code})`)));
      createInterface({ input: child.stdout }).once('line', (line) => {
        resolve((JSON.parse(line) as { port: number }).port);
      });
    });
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
    const points: TlsFloorPoint[] = [];
    for (const bytes of sizes) {
      await fetchBytes(socket, bytes);
      const samples: number[] = [];
      for (let i = 0; i < repeats; i++) {
        const t0 = process.hrtime.bigint();
        await fetchBytes(socket, bytes);
        samples.push(elapsedUs(t0));
      }
      const summary = summarize(samples);
      points.push({
        ...summary,
        bytes,
        gbPerSec: bytes / (summary.p50Us * 1e3),
        command: `node dist/bench/floors/tls-socket-server.js $CERTS ${Math.max(...sizes)} + the client in bench/floors/tls-socket-floor.ts (${repeats} transfers)`,
      });
    }
    socket.destroy();
    return points;
  } finally {
    child.kill('SIGTERM');
  }
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
