import { status as Status } from '@grpc/grpc-js';
import {
  INVALID_SPAN_CONTEXT,
  isSpanContextValid,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type HrTime,
  type Span,
  type SpanContext,
  type Tracer,
} from '@opentelemetry/api';
import { isGrpcError, ServiceError } from '../grpc/service-error.js';
import { formatTraceparent } from './traceparent.js';

/**
 * Spans for the request path, over `@opentelemetry/api` only. When the process does not trace
 * (no SDK started: start-telemetry.ts) every function here returns at its first line: no span,
 * context or attribute object is made, so tracing off costs one boolean test per call site.
 * Parents are passed explicitly, never through an async context (none is registered).
 */
let tracer: Tracer | undefined;

/** Whether this process traces. */
export function tracingOn(): boolean {
  return tracer !== undefined;
}

/**
 * Turns span creation on (after a tracer provider was registered) or off. Called by
 * `startTelemetry` and the in-memory recorder of the tests, nowhere else.
 */
export function setTracing(on: boolean): void {
  tracer = on ? trace.getTracer('shardmesh') : undefined;
}

/** The span of work that is not traced: never recording, never ended, shared by every caller. */
export const NOT_TRACED: Span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

export { SpanKind };
export type { Span };

/** How often the wall clock is read again to correct the monotonic clock's drift from it. */
const REANCHOR_MS = 60_000;
let anchorMs = 0;
let anchoredAtMs = -Infinity;

/**
 * Now, to the microsecond: the monotonic clock anchored to the wall clock once a minute. The
 * SDK's own start times come from Date.now(), to the millisecond, so spans shorter than that
 * (most here) would show in any order under their parent.
 */
function now(): HrTime {
  const monotonicMs = performance.now();
  if (monotonicMs - anchoredAtMs > REANCHOR_MS) {
    anchorMs = Date.now() - monotonicMs;
    anchoredAtMs = monotonicMs;
  }
  const ms = anchorMs + monotonicMs;
  const seconds = Math.floor(ms / 1000);
  const nanos = Math.min(999_999_999, Math.round((ms - seconds * 1000) * 1e6));
  return [seconds, nanos];
}

/**
 * A span that starts a trace (no `parent`) or continues a remote one (`parent`: a context read
 * from a `traceparent`). The sampler decides whether it records.
 */
export function startRootSpan(name: string, kind: SpanKind, parent?: SpanContext): Span {
  if (tracer === undefined) return NOT_TRACED;
  const context = parent === undefined ? ROOT_CONTEXT : trace.setSpanContext(ROOT_CONTEXT, parent);
  return tracer.startSpan(name, { kind, startTime: now() }, context);
}

/**
 * A child of `parent`, a span of this process. A parent that does not record (not traced, or
 * not sampled) has no recorded children: it stands in for them, so an unsampled request makes
 * no span objects below its first, and what it passes on (a `traceparent`) still says "not
 * sampled". Only a span this returns that differs from `parent` is the caller's to end; `endSpan`
 * ends only recording spans, so calling it on either is safe.
 */
export function startChildSpan(name: string, parent: Span, kind: SpanKind = SpanKind.INTERNAL): Span {
  if (tracer === undefined || !parent.isRecording()) return parent;
  return tracer.startSpan(name, { kind, startTime: now() }, trace.setSpan(ROOT_CONTEXT, parent));
}

/** Longest status message a span keeps. */
const MAX_STATUS_MESSAGE_CHARS = 256;

/**
 * Ends a recording span, as failed with `error`'s gRPC status when one is given; a span that does
 * not record is left alone (so a child that stood in for its parent never ends the parent).
 * Status messages may name shard instances and addresses: traces are for the mesh's operators.
 */
export function endSpan(span: Span, error?: unknown): void {
  if (!span.isRecording()) return;
  if (error !== undefined) {
    const coded = error instanceof ServiceError || isGrpcError(error);
    const code = coded ? error.code : Status.UNKNOWN;
    const text = coded
      ? `${Status[code]}: ${error.details}`
      : error instanceof Error
        ? error.message
        : String(error);
    span.setAttribute('rpc.grpc.status_code', code);
    span.setStatus({ code: SpanStatusCode.ERROR, message: text.slice(0, MAX_STATUS_MESSAGE_CHARS) });
  }
  // Given a start time, the SDK would take an end time from Date.now(): this clock ends it too.
  span.end(now());
}

/** The `traceparent` to pass on for work under `span`; empty when there is no trace. */
export function traceparentOf(span: Span): string {
  if (tracer === undefined) return '';
  const context = span.spanContext();
  return isSpanContextValid(context) ? formatTraceparent(context) : '';
}

/** The `tracestate` to pass on with `traceparentOf(span)`; empty when there is none. */
export function tracestateOf(span: Span): string {
  if (tracer === undefined) return '';
  return span.spanContext().traceState?.serialize() ?? '';
}

/**
 * What log lines about work under `context` carry to find its trace: `trace_id` and `span_id`
 * when the trace is sampled (its spans record, so the ids lead somewhere), else nothing.
 */
export function traceLogFields(context: SpanContext): { trace_id: string; span_id: string } | undefined {
  if (tracer === undefined || (context.traceFlags & TraceFlags.SAMPLED) === 0 || !isSpanContextValid(context))
    return undefined;
  return { trace_id: context.traceId, span_id: context.spanId };
}
