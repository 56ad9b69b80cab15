/**
 * Whether a process traces, read from the standard OpenTelemetry environment variables only (no
 * shardmesh flags of its own): the one place that decides it, so the router and the shard agree.
 *
 * Tracing is on when an OTLP endpoint is named (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, else
 * `OTEL_EXPORTER_OTLP_ENDPOINT`), unless `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none`.
 * Off means no SDK, no exporter and no span objects: the request path checks one boolean. Once
 * on, the SDK itself reads the rest of the standard variables: protocol
 * (`OTEL_EXPORTER_OTLP_PROTOCOL`, default http/protobuf), headers, sampler
 * (`OTEL_TRACES_SAMPLER`, `OTEL_TRACES_SAMPLER_ARG`; default parentbased_always_on), batching
 * (`OTEL_BSP_*`) and resource attributes.
 */
export type TracedComponent = 'router' | 'shard';

export interface TelemetrySettings {
  readonly tracing: boolean;
  /** `OTEL_SERVICE_NAME`, else `shardmesh-router` / `shardmesh-shard`. */
  readonly serviceName: string;
  /** The endpoint variable that turned tracing on, and its value; or why it is off, for the log. */
  readonly reason: string;
}

const filled = (value: string | undefined): string | undefined =>
  value !== undefined && value.trim() !== '' ? value.trim() : undefined;

export function telemetrySettings(env: NodeJS.ProcessEnv, component: TracedComponent): TelemetrySettings {
  const serviceName = filled(env['OTEL_SERVICE_NAME']) ?? `shardmesh-${component}`;
  const off = (reason: string): TelemetrySettings => ({ tracing: false, serviceName, reason });
  if (filled(env['OTEL_SDK_DISABLED'])?.toLowerCase() === 'true') return off('OTEL_SDK_DISABLED=true');
  const exporters = (filled(env['OTEL_TRACES_EXPORTER']) ?? '').split(',').map((s) => s.trim());
  if (exporters.length === 1 && exporters[0] === 'none') return off('OTEL_TRACES_EXPORTER=none');
  for (const name of ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'OTEL_EXPORTER_OTLP_ENDPOINT']) {
    const endpoint = filled(env[name]);
    if (endpoint !== undefined) return { tracing: true, serviceName, reason: `${name}=${endpoint}` };
  }
  return off('no OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
}
