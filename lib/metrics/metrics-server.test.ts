import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Counter, Registry } from 'prom-client';
import { registerCertificateExpiry } from './certificate-expiry.js';
import { startMetricsServer } from './metrics-server.js';

test('serves Prometheus text on /metrics, JSON routes, 404 elsewhere, on the port it picked', async () => {
  const registry = new Registry();
  new Counter({ name: 'things_total', help: 'things', registers: [registry] }).inc(3);
  const server = await startMetricsServer({
    host: '127.0.0.1',
    port: 0,
    registry,
    json: { '/status': () => ({ ok: 1 }) },
  });
  try {
    assert.ok(server.port > 0);
    const base = `http://127.0.0.1:${server.port}`;
    const metrics = await fetch(`${base}/metrics`);
    assert.equal(metrics.status, 200);
    assert.match(metrics.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    assert.match(await metrics.text(), /^things_total 3$/m);
    assert.deepEqual(await (await fetch(`${base}/status?x=1`)).json(), { ok: 1 });
    const missing = await fetch(`${base}/nope`);
    assert.equal(missing.status, 404);
    assert.match(await missing.text(), /try \/metrics or \/status/);
    assert.equal((await fetch(`${base}/metrics`, { method: 'POST' })).status, 405);
  } finally {
    await server.close();
  }
});

test('a port already taken is refused with the error, not hidden', async () => {
  const registry = new Registry();
  const first = await startMetricsServer({ host: '127.0.0.1', port: 0, registry });
  try {
    await assert.rejects(startMetricsServer({ host: '127.0.0.1', port: first.port, registry }), /EADDRINUSE/);
  } finally {
    await first.close();
  }
});

test('certificate expiry follows the watched leaf: a rotation shows at the next scrape', async () => {
  const registry = new Registry();
  const source = { leaf: { notAfter: new Date('2030-01-01T00:00:00Z') } };
  registerCertificateExpiry(registry, source);
  const value = async (): Promise<number> =>
    (await registry.getSingleMetric('shardmesh_certificate_expiry_seconds')!.get()).values[0]!.value;
  assert.equal(await value(), Date.parse('2030-01-01T00:00:00Z') / 1000);
  source.leaf = { notAfter: new Date('2030-01-08T00:00:00Z') };
  assert.equal(await value(), Date.parse('2030-01-08T00:00:00Z') / 1000);
});
