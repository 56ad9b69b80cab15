import type { Metadata } from '@grpc/grpc-js';
import type { SpanContext } from '@opentelemetry/api';
import { NOT_TRACED, SpanKind, startRootSpan, tracingOn, type Span } from '../../lib/telemetry/spans.js';
import { parseTraceparent } from '../../lib/telemetry/traceparent.js';

const SERVICE = 'inference.GRPCInferenceService';

/**
 * The trace a client's call belongs to: the W3C `traceparent` (and `tracestate`) of its gRPC
 * metadata, as OpenTelemetry's gRPC instrumentations send them; undefined when it sent none, sent
 * a malformed one, or this router does not trace. Read once per call (once per stream for
 * ModelStreamInfer: metadata belongs to the stream).
 */
export function clientTraceContext(metadata: Metadata): SpanContext | undefined {
  if (!tracingOn()) return undefined;
  const [traceparent] = metadata.get('traceparent');
  const [tracestate] = metadata.get('tracestate');
  return parseTraceparent(
    typeof traceparent === 'string' ? traceparent : undefined,
    typeof tracestate === 'string' ? tracestate : undefined,
  );
}

/**
 * The span of one inference request (a ModelInfer call, or one ModelStreamInfer message), a
 * server span continuing the client's trace or starting one. The caller ends it with the
 * request's outcome (`endSpan`).
 */
export function requestSpan(
  method: 'ModelInfer' | 'ModelStreamInfer',
  parent: SpanContext | undefined,
): Span {
  if (!tracingOn()) return NOT_TRACED;
  const span = startRootSpan(`${SERVICE}/${method}`, SpanKind.SERVER, parent);
  if (span.isRecording())
    span.setAttributes({ 'rpc.system': 'grpc', 'rpc.service': SERVICE, 'rpc.method': method });
  return span;
}
