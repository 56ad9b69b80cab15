import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { JaegerTrace } from './jaeger-trace.js';
import { toolPath } from './tools.js';

/**
 * A real Jaeger (`.tools/bin/jaeger`, scripts/tools/jaeger.sh: the v2, collector-based binary)
 * for integration tests: in-memory storage, an OTLP/HTTP receiver and the query API, each on a
 * fresh loopback port, every other port of its default configuration left closed.
 */
export interface Jaeger {
  /** What `OTEL_EXPORTER_OTLP_ENDPOINT` is set to for the processes under test (OTLP/HTTP). */
  readonly otlpEndpoint: string;
  /** Base URL of the query HTTP API, e.g. for `/api/traces?service=shardmesh-router`. */
  readonly queryUrl: string;
  /** The trace as Jaeger holds it now; undefined until it has any span. */
  trace(traceId: string): Promise<JaegerTrace | undefined>;
  /** Polls `trace` until `ready` holds (spans of several processes arrive separately). */
  waitForTrace(traceId: string, ready: (t: JaegerTrace) => boolean, timeoutMs?: number): Promise<JaegerTrace>;
  /** Recent traces with a span of `service`. */
  traces(service: string): Promise<JaegerTrace[]>;
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';

async function freePort(): Promise<number> {
  const server = createServer().listen(0, HOST);
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('could not read a free port');
  return address.port;
}

/**
 * Jaeger's all-in-one configuration (cmd/jaeger/internal/all-in-one.yaml) cut down to what the
 * tests read: no Jaeger/Zipkin receivers, no sampling, health or pprof endpoints, and no
 * collector self-metrics (they would take port 8888).
 */
function config(otlpPort: number, queryPort: number, queryGrpcPort: number): string {
  return `service:
  extensions: [jaeger_storage, jaeger_query]
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics:
      level: none
    logs:
      level: warn
extensions:
  jaeger_query:
    storage:
      traces: memstore
    enable_tracing: false
    http:
      endpoint: ${HOST}:${queryPort}
    grpc:
      endpoint: ${HOST}:${queryGrpcPort}
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: 10000
receivers:
  otlp:
    protocols:
      http:
        endpoint: ${HOST}:${otlpPort}
exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
`;
}

const OUTPUT_TAIL_CHARS = 4000;

export async function startJaeger(readyTimeoutMs = 30_000): Promise<Jaeger> {
  const binary = toolPath('bin/jaeger');
  const dir = await mkdtemp(path.join(tmpdir(), 'shardmesh-jaeger-'));
  const [otlpPort, queryPort, queryGrpcPort] = [await freePort(), await freePort(), await freePort()];
  const file = path.join(dir, 'config.yaml');
  await writeFile(file, config(otlpPort, queryPort, queryGrpcPort));
  const child = spawn(binary, ['--config', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: string): void => void (output = (output + chunk).slice(-OUTPUT_TAIL_CHARS));
  child.stdout.setEncoding('utf8').on('data', keep);
  child.stderr.setEncoding('utf8').on('data', keep);
  const exited = once(child, 'exit');
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const queryUrl = `http://${HOST}:${queryPort}`;
  const stop = async (): Promise<void> => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  const get = async (url: string): Promise<{ status: number; body: unknown }> => {
    const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    return { status: response.status, body: await response.json().catch(() => undefined) };
  };
  try {
    // Ready: the query API answers (the receiver starts before the extensions' servers).
    const deadline = Date.now() + readyTimeoutMs;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`jaeger exited early (${child.exitCode})`);
      const answered = await get(`${queryUrl}/api/services`).catch(() => undefined);
      if (answered?.status === 200) break;
      if (Date.now() > deadline)
        throw new Error(`jaeger's query API did not answer within ${readyTimeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n--- jaeger output (tail) ---\n${output}`);
  }
  const trace = async (traceId: string): Promise<JaegerTrace | undefined> => {
    const { status, body } = await get(`${queryUrl}/api/traces/${traceId}`);
    if (status === 404) return undefined;
    if (status !== 200) throw new Error(`GET /api/traces/${traceId}: HTTP ${status} ${JSON.stringify(body)}`);
    return (body as { data: JaegerTrace[] }).data[0];
  };
  return {
    otlpEndpoint: `http://${HOST}:${otlpPort}`,
    queryUrl,
    trace,
    async waitForTrace(traceId, ready, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      let last: JaegerTrace | undefined;
      while (Date.now() < deadline) {
        last = await trace(traceId);
        if (last && ready(last)) return last;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      throw new Error(
        `trace ${traceId} not complete within ${timeoutMs} ms; it holds: ${last ? last.spans.map((s) => s.operationName).join(', ') : 'nothing'}`,
      );
    },
    async traces(service) {
      const { status, body } = await get(
        `${queryUrl}/api/traces?service=${encodeURIComponent(service)}&limit=100`,
      );
      if (status !== 200) throw new Error(`GET /api/traces?service=${service}: HTTP ${status}`);
      return (body as { data: JaegerTrace[] }).data;
    },
    stop,
  };
}
