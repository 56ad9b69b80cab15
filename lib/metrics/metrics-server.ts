import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** A JSON view served beside `/metrics` (the router's `GET /status` for `shardmesh status`). */
export type JsonRoute = () => object;

export interface MetricsServerOptions {
  /** Address to bind: the process's own `--host`, so metrics are reachable where its gRPC port is. */
  readonly host: string;
  /** 0 picks a free port (tests, and several shards on one host). */
  readonly port: number;
  readonly registry: Registry;
  /** Extra GET paths answered with JSON, e.g. `{ '/status': () => ... }`. @default {} */
  readonly json?: Readonly<Record<string, JsonRoute>>;
}

export interface RunningMetricsServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Serves Prometheus text on `GET /metrics` over plain HTTP, as Triton does on its metrics port:
 * scrapers and dashboards rarely speak mTLS, and nothing here is secret beyond model names (bind
 * it to a private address when that matters). Anything else is 404; a collector that throws is a
 * 500 with a one-line reason, and the process keeps serving.
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<RunningMetricsServer> {
  const routes = options.json ?? {};
  const server = createServer((request, response) => {
    void answer(request, response).catch((error: unknown) => {
      response.writeHead(500, { 'content-type': 'text/plain' });
      response.end(`metrics collection failed: ${error instanceof Error ? error.message : String(error)}\n`);
    });
  });
  async function answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?')[0]!;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' });
      response.end();
      return;
    }
    if (path === '/metrics') {
      const text = await options.registry.metrics();
      response.writeHead(200, { 'content-type': options.registry.contentType });
      response.end(text);
      return;
    }
    const route = routes[path];
    if (route) {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(`${JSON.stringify(route())}\n`);
      return;
    }
    response.writeHead(404, { 'content-type': 'text/plain' });
    response.end(
      `not found; try /metrics${Object.keys(routes)
        .map((r) => ` or ${r}`)
        .join('')}\n`,
    );
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // Scrapers keep connections alive; closing must not wait for them.
  server.keepAliveTimeout = 5_000;
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
