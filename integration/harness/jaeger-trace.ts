/**
 * Traces as Jaeger's query HTTP API returns them (`GET /api/traces/{traceId}`, the API its UI
 * reads), and what tests ask of them: spans by name and process, parents, tags, a printed tree.
 */
export interface JaegerTag {
  readonly key: string;
  readonly type: string;
  readonly value: unknown;
}

export interface JaegerSpan {
  readonly traceID: string;
  readonly spanID: string;
  readonly operationName: string;
  readonly references: readonly { refType: string; traceID: string; spanID: string }[];
  /** Microseconds since the epoch, and microseconds. */
  readonly startTime: number;
  readonly duration: number;
  readonly tags: readonly JaegerTag[];
  readonly processID: string;
}

export interface JaegerTrace {
  readonly traceID: string;
  readonly spans: readonly JaegerSpan[];
  readonly processes: Readonly<Record<string, { serviceName: string; tags: readonly JaegerTag[] }>>;
}

export function tag(span: JaegerSpan, key: string): unknown {
  return span.tags.find((t) => t.key === key)?.value;
}

/** The span's parent id within its trace; undefined for a root (or a span whose parent is remote). */
export function parentId(span: JaegerSpan): string | undefined {
  return span.references.find((r) => r.refType === 'CHILD_OF')?.spanID;
}

export function serviceOf(trace: JaegerTrace, span: JaegerSpan): string {
  return trace.processes[span.processID]?.serviceName ?? '?';
}

/** A process tag of the span's process (host.name, process.pid, ...). */
export function processTag(trace: JaegerTrace, span: JaegerSpan, key: string): unknown {
  return trace.processes[span.processID]?.tags.find((t) => t.key === key)?.value;
}

export function spansNamed(trace: JaegerTrace, name: string): JaegerSpan[] {
  return trace.spans.filter((s) => s.operationName === name);
}

export function childrenOf(trace: JaegerTrace, span: JaegerSpan): JaegerSpan[] {
  return trace.spans.filter((s) => parentId(s) === span.spanID).sort((a, b) => a.startTime - b.startTime);
}

/** Tags worth showing in a printed tree, in this order. */
const SHOWN_TAGS = [
  'shardmesh.stage',
  'shardmesh.partition',
  'shardmesh.replica',
  'shardmesh.attempt',
  'shardmesh.hedge',
  'shardmesh.bytes_sent',
  'shardmesh.bytes_received',
  'shardmesh.partition_key',
  'rpc.grpc.status_code',
  'otel.status_code',
];

/**
 * The trace as an indented tree, one span a line: `service: name (duration) tags`, children in
 * start order. Spans whose parent is not in the trace (the client's own span) are roots.
 */
export function spanTree(trace: JaegerTrace): string {
  const ids = new Set(trace.spans.map((s) => s.spanID));
  const roots = trace.spans
    .filter((s) => parentId(s) === undefined || !ids.has(parentId(s)!))
    .sort((a, b) => a.startTime - b.startTime);
  const lines: string[] = [];
  const visit = (span: JaegerSpan, depth: number): void => {
    const tags = SHOWN_TAGS.filter((k) => tag(span, k) !== undefined).map(
      (k) => `${k}=${String(tag(span, k))}`,
    );
    const ms = (span.duration / 1000).toFixed(2);
    lines.push(
      `${'  '.repeat(depth)}${serviceOf(trace, span)}: ${span.operationName} (${ms} ms)${tags.length ? ` ${tags.join(' ')}` : ''}`,
    );
    for (const child of childrenOf(trace, span)) visit(child, depth + 1);
  };
  for (const root of roots) visit(root, 0);
  return lines.join('\n');
}
