import { trace } from '@opentelemetry/api';
import { tracing as sdk } from '@opentelemetry/sdk-node';
import { setTracing } from './spans.js';

export type FinishedSpan = sdk.ReadableSpan;

/**
 * TEST ONLY. Records every span this process ends, in memory, with the SDK's own tracer provider
 * (always sampled), so unit tests can read the spans the request path makes without a collector.
 * One recorder per process at a time; `stop` turns tracing off again.
 */
export interface SpanRecorder {
  /** Spans ended so far, in the order they ended. */
  finished(): FinishedSpan[];
  reset(): void;
  stop(): Promise<void>;
}

export function recordSpansInMemory(): SpanRecorder {
  const exporter = new sdk.InMemorySpanExporter();
  const provider = new sdk.BasicTracerProvider({
    sampler: new sdk.AlwaysOnSampler(),
    spanProcessors: [new sdk.SimpleSpanProcessor(exporter)],
  });
  trace.disable();
  trace.setGlobalTracerProvider(provider);
  setTracing(true);
  return {
    finished: () => exporter.getFinishedSpans(),
    reset: () => exporter.reset(),
    stop: async () => {
      setTracing(false);
      trace.disable();
      await provider.shutdown();
    },
  };
}
