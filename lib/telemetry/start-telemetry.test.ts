import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import type { ProxyTracerProvider } from '@opentelemetry/api';
import { SpanKind, trace } from '@opentelemetry/api';
import { createLogger } from '../log.js';
import { endSpan, NOT_TRACED, startChildSpan, startRootSpan, tracingOn } from './spans.js';
import { startTelemetry } from './start-telemetry.js';

const log = createLogger('test', 'silent');

void test('without an endpoint nothing starts: no provider, and spans are the one shared non-span', async () => {
  const telemetry = await startTelemetry('router', log, {});
  assert.equal(telemetry.tracing, false);
  assert.equal(tracingOn(), false);
  const provider = trace.getTracerProvider() as ProxyTracerProvider;
  assert.equal(provider.getDelegate().constructor.name, 'NoopTracerProvider');
  // No span object per call: the same constant comes back, and children are their parent.
  const root = startRootSpan('ModelInfer', SpanKind.SERVER);
  assert.equal(root, NOT_TRACED);
  assert.equal(startChildSpan('stage', root), NOT_TRACED);
  assert.equal(root.isRecording(), false);
  endSpan(root, new Error('ignored'));
  await telemetry.shutdown();
});

void test('with an endpoint the SDK exports over OTLP/HTTP, and shutdown flushes what is buffered', async () => {
  const bodies: { url: string; type: string; body: Buffer }[] = [];
  const collector = createServer((req: IncomingMessage, res) => {
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => {
      bodies.push({
        url: req.url ?? '',
        type: String(req.headers['content-type']),
        body: Buffer.concat(parts),
      });
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  const port = (collector.address() as AddressInfo).port;
  // The SDK reads the process's environment itself; a long batch delay leaves the span to shutdown.
  Object.assign(process.env, {
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
    OTEL_BSP_SCHEDULE_DELAY: '60000',
  });
  try {
    const telemetry = await startTelemetry('shard', log);
    assert.equal(telemetry.tracing, true);
    assert.equal(telemetry.serviceName, 'shardmesh-shard');
    const span = startRootSpan('onnxruntime run', SpanKind.INTERNAL);
    assert.equal(span.isRecording(), true);
    endSpan(span);
    assert.equal(bodies.length, 0, 'nothing exported before shutdown');
    await telemetry.shutdown();
    assert.equal(tracingOn(), false);
    assert.equal(bodies.length, 1);
    assert.equal(bodies[0]!.url, '/v1/traces');
    assert.equal(bodies[0]!.type, 'application/x-protobuf');
    assert.ok(bodies[0]!.body.includes('shardmesh-shard'), 'the resource names the service');
    assert.ok(bodies[0]!.body.includes('onnxruntime run'), 'the span is in the export');
  } finally {
    delete process.env['OTEL_EXPORTER_OTLP_ENDPOINT'];
    delete process.env['OTEL_BSP_SCHEDULE_DELAY'];
    collector.close();
  }
});
