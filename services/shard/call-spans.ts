import type { SpanContext } from '@opentelemetry/api';
import type { WireInferHeader } from '../../lib/grpc/shard-messages.js';
import {
  endSpan,
  NOT_TRACED,
  SpanKind,
  startChildSpan,
  startRootSpan,
  traceLogFields,
  tracingOn,
  type Span,
} from '../../lib/telemetry/spans.js';
import { parseTraceparent } from '../../lib/telemetry/traceparent.js';

/**
 * Where one shard call's spans (receive, run, send) hang in its trace. With a `traceparent` in
 * the call's header (shard.proto) they are children of the router's span for the attempt, so a
 * partition's ONNX Runtime run sits directly under the router's partition call; the router's
 * sampling decision holds. Without one (a stub that sends none) they hang under a server span of
 * the shard's own, which starts a trace. When the shard does not trace, `CallSpans.NONE` is used:
 * nothing is parsed and no span is made.
 */
export class CallSpans {
  /** The calls of a shard that does not trace: one shared instance, no spans. */
  static readonly NONE = new CallSpans(undefined, undefined);

  private constructor(
    private readonly remote: SpanContext | undefined,
    private readonly local: Span | undefined,
  ) {}

  static of(header: WireInferHeader): CallSpans {
    if (!tracingOn()) return CallSpans.NONE;
    const remote = parseTraceparent(header.traceparent, header.tracestate);
    if (remote) return new CallSpans(remote, undefined);
    return new CallSpans(undefined, startRootSpan('shardmesh.v1.Shard/Infer', SpanKind.SERVER));
  }

  /** A span of the call; the caller ends it (`endSpan`). */
  start(name: string, kind: SpanKind = SpanKind.INTERNAL): Span {
    if (this.remote) return startRootSpan(name, kind, this.remote);
    return this.local ? startChildSpan(name, this.local, kind) : NOT_TRACED;
  }

  /** `trace_id` and `span_id` for the call's log lines (the router's attempt span, when it gave one). */
  logFields(): { trace_id: string; span_id: string } | undefined {
    if (this.remote) return traceLogFields(this.remote);
    return this.local ? traceLogFields(this.local.spanContext()) : undefined;
  }

  /** The call has ended: ends the shard's own server span, if it made one. */
  end(): void {
    if (this.local) endSpan(this.local);
  }
}
