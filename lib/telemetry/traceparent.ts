import { createTraceState, TraceFlags, type SpanContext } from '@opentelemetry/api';

/**
 * W3C Trace Context `traceparent` values (https://www.w3.org/TR/trace-context/#traceparent-header):
 * "00-<32 hex trace id>-<16 hex span id>-<2 hex flags>", lowercase. They arrive from clients
 * (gRPC metadata) and from the router (a shard call's header, shard.proto), so anything
 * malformed is ignored, never an error: the request is served, in a trace of its own.
 */
const VERSION_00 = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
// A later version may append fields after a '-'; its first four fields read as version 00's.
const LATER_VERSION = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_SPAN_ID = '0'.repeat(16);
/** Longest tracestate kept (the W3C limit is 32 members; this bounds what a client can make us carry). */
const MAX_TRACESTATE_CHARS = 512;

/**
 * The remote span context a `traceparent` (and `tracestate`) names, or undefined when the value
 * is absent or malformed: a bad version (not two hex digits, or "ff"), an all-zero id, uppercase
 * hex, or extra fields on version 00.
 */
export function parseTraceparent(
  traceparent: string | undefined,
  tracestate?: string,
): SpanContext | undefined {
  if (!traceparent) return undefined;
  const value = traceparent.trim();
  let traceId: string, spanId: string, flags: string;
  const v00 = VERSION_00.exec(value);
  if (v00) [, traceId, spanId, flags] = v00 as unknown as [string, string, string, string];
  else {
    const later = LATER_VERSION.exec(value);
    if (!later || later[1] === '00' || later[1] === 'ff') return undefined;
    [, , traceId, spanId, flags] = later as unknown as [string, string, string, string, string];
  }
  if (traceId === ZERO_TRACE_ID || spanId === ZERO_SPAN_ID) return undefined;
  const context: SpanContext = {
    traceId,
    spanId,
    // Only the sampled bit is defined; other bits are not passed on.
    traceFlags: parseInt(flags, 16) & TraceFlags.SAMPLED,
    isRemote: true,
  };
  const state = tracestate?.trim();
  if (state && state.length <= MAX_TRACESTATE_CHARS) context.traceState = createTraceState(state);
  return context;
}

/** The `traceparent` value of a span context (version 00). */
export function formatTraceparent(context: SpanContext): string {
  const flags = (context.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED ? '01' : '00';
  return `00-${context.traceId}-${context.spanId}-${flags}`;
}
