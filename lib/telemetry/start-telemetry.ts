import { diag, DiagLogLevel, type ContextManager, type DiagLogger } from '@opentelemetry/api';
import type { Logger } from '../log.js';
import { setTracing } from './spans.js';
import { telemetrySettings, type TracedComponent } from './telemetry-settings.js';

/** A process's tracing: on or off for its lifetime; `shutdown` flushes what is left to export. */
export interface Telemetry {
  readonly tracing: boolean;
  readonly serviceName: string;
  /**
   * Exports the spans still buffered and stops the SDK; resolves within `timeoutMs` whatever the
   * collector does (a failure is logged, never thrown), so a SIGTERM drain cannot hang on it.
   */
  shutdown(timeoutMs?: number): Promise<void>;
}

/** How long `shutdown` waits for the last export by default. */
const SHUTDOWN_TIMEOUT_MS = 5_000;

/**
 * Starts the OpenTelemetry SDK for `component` when the environment names an OTLP endpoint
 * (telemetry-settings.ts); otherwise starts nothing and loads no SDK module. The one place that
 * imports `@opentelemetry/sdk-node`: traces only (no metrics or logs pipelines), no
 * instrumentations, no async context manager (spans.ts passes parents explicitly), the exporter,
 * sampler and batching the standard OTEL_* variables choose. SDK warnings (an unreachable
 * collector, dropped spans) go to `log`.
 */
export async function startTelemetry(
  component: TracedComponent,
  log: Logger,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Telemetry> {
  const settings = telemetrySettings(env, component);
  if (!settings.tracing) {
    log.debug({ reason: settings.reason }, 'tracing off');
    return { tracing: false, serviceName: settings.serviceName, shutdown: async () => undefined };
  }
  if (env['OTEL_LOG_LEVEL'] === undefined) diag.setLogger(diagToLog(log), DiagLogLevel.WARN);
  const { NodeSDK } = await import('@opentelemetry/sdk-node');
  const sdk = new NodeSDK({
    serviceName: settings.serviceName,
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [],
    // null: register none (the SDK's own meaning of null; its type leaves null out).
    contextManager: null as unknown as ContextManager,
  });
  sdk.start();
  setTracing(true);
  log.info({ serviceName: settings.serviceName, exporter: settings.reason }, 'tracing on');
  return {
    tracing: true,
    serviceName: settings.serviceName,
    shutdown: async (timeoutMs = SHUTDOWN_TIMEOUT_MS) => {
      setTracing(false);
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), timeoutMs)));
      try {
        const outcome = await Promise.race([sdk.shutdown().then(() => 'flushed' as const), late]);
        if (outcome === 'late')
          log.warn({ timeoutMs }, 'tracing: spans still unexported at shutdown were dropped');
      } catch (error) {
        log.warn({ err: error }, 'tracing: the last export failed');
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** The SDK's diagnostics as log lines of the process's own logger. */
function diagToLog(log: Logger): DiagLogger {
  const line =
    (level: 'error' | 'warn' | 'info' | 'debug' | 'trace') =>
    (message: string, ...args: unknown[]): void =>
      log[level]({ otel: args.length > 0 ? args.map(String) : undefined }, `opentelemetry: ${message}`);
  return {
    error: line('error'),
    warn: line('warn'),
    info: line('info'),
    debug: line('debug'),
    verbose: line('trace'),
  };
}
