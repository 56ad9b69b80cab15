import assert from 'node:assert/strict';
import { test } from 'node:test';
import { telemetrySettings } from './telemetry-settings.js';

void test('without an OTLP endpoint tracing is off, and the service is named for the component', () => {
  for (const env of [{}, { OTEL_EXPORTER_OTLP_ENDPOINT: '' }, { OTEL_EXPORTER_OTLP_ENDPOINT: '  ' }]) {
    const s = telemetrySettings(env, 'router');
    assert.equal(s.tracing, false, JSON.stringify(env));
    assert.equal(s.serviceName, 'shardmesh-router');
    assert.match(s.reason, /no OTEL_EXPORTER_OTLP_ENDPOINT/);
  }
  assert.equal(telemetrySettings({}, 'shard').serviceName, 'shardmesh-shard');
});

void test('either endpoint variable turns tracing on; the traces-only one is named first', () => {
  const general = telemetrySettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }, 'shard');
  assert.deepEqual(general, {
    tracing: true,
    serviceName: 'shardmesh-shard',
    reason: 'OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318',
  });
  const both = telemetrySettings(
    {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://b:4318/v1/traces',
    },
    'router',
  );
  assert.equal(both.tracing, true);
  assert.equal(both.reason, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=http://b:4318/v1/traces');
});

void test('OTEL_SDK_DISABLED=true and OTEL_TRACES_EXPORTER=none keep tracing off despite an endpoint', () => {
  const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' };
  assert.equal(telemetrySettings({ ...endpoint, OTEL_SDK_DISABLED: 'TRUE' }, 'router').tracing, false);
  assert.equal(telemetrySettings({ ...endpoint, OTEL_SDK_DISABLED: 'false' }, 'router').tracing, true);
  assert.equal(telemetrySettings({ ...endpoint, OTEL_TRACES_EXPORTER: 'none' }, 'router').tracing, false);
  assert.equal(telemetrySettings({ ...endpoint, OTEL_TRACES_EXPORTER: 'otlp' }, 'router').tracing, true);
});

void test('OTEL_SERVICE_NAME overrides the default name', () => {
  const s = telemetrySettings(
    { OTEL_SERVICE_NAME: 'edge-router-eu', OTEL_EXPORTER_OTLP_ENDPOINT: 'x' },
    'router',
  );
  assert.equal(s.serviceName, 'edge-router-eu');
});
