import { createServer, connect, type AddressInfo, type Socket } from 'node:net';

/**
 * A TCP proxy in front of one shard that, once armed, drops the first connection whose response
 * bytes (shard to router) pass `cutAfterBytes`: the router sees a replica die in the middle of a
 * response stream, with part of the output already delivered. TLS passes through untouched, so
 * the router still checks the shard's own certificate. After the cut it forwards faithfully.
 */
export interface CuttingProxy {
  readonly port: number;
  /** How many connections it has cut. */
  readonly cuts: number;
  /** Cut the next connection whose response bytes pass `cutAfterBytes`. */
  arm(cutAfterBytes: number): void;
  close(): Promise<void>;
}

export async function startCuttingProxy(targetPort: number, host = '127.0.0.1'): Promise<CuttingProxy> {
  let cutAfterBytes: number | undefined;
  let cuts = 0;
  const sockets = new Set<Socket>();
  const server = createServer((router) => {
    const shard = connect(targetPort, host);
    for (const s of [router, shard]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    let responseBytes = 0;
    router.pipe(shard);
    shard.on('data', (data: Buffer) => {
      const before = responseBytes;
      responseBytes += data.length;
      if (cutAfterBytes !== undefined && responseBytes > cutAfterBytes) {
        const keep = Math.max(0, cutAfterBytes - before);
        cutAfterBytes = undefined;
        cuts += 1;
        shard.destroy();
        router.end(data.subarray(0, keep));
        return;
      }
      router.write(data);
    });
    router.on('close', () => shard.destroy());
    shard.on('close', () => router.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    get cuts() {
      return cuts;
    },
    arm: (bytes) => {
      cutAfterBytes = bytes;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
