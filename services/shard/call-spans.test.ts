import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WireInferHeader } from '../../lib/grpc/shard-messages.js';
import { recordSpansInMemory } from '../../lib/telemetry/in-memory-spans.js';
import { endSpan, NOT_TRACED } from '../../lib/telemetry/spans.js';
import { CallSpans } from './call-spans.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const ROUTER_SPAN = '00f067aa0ba902b7';
const header = (traceparent?: string): WireInferHeader => ({
  request_id: 'r',
  model: 'm',
  version: '1',
  stage: 's',
  partition: 0,
  inputs: [],
  ...(traceparent === undefined ? {} : { traceparent }),
});

void test('a shard that does not trace shares one CallSpans and makes no span', () => {
  const spans = CallSpans.of(header(`00-${TRACE_ID}-${ROUTER_SPAN}-01`));
  assert.equal(spans, CallSpans.NONE);
  assert.equal(spans.start('onnxruntime run'), NOT_TRACED);
  assert.equal(spans.logFields(), undefined);
});

void test("with the router's traceparent, each phase span is a child of the router's attempt span", async () => {
  const recorder = recordSpansInMemory();
  try {
    const spans = CallSpans.of(header(`00-${TRACE_ID}-${ROUTER_SPAN}-01`));
    for (const name of ['shard receive', 'onnxruntime run', 'shard send']) endSpan(spans.start(name));
    spans.end();
    const finished = recorder.finished();
    assert.deepEqual(
      finished.map((s) => [s.name, s.spanContext().traceId, s.parentSpanContext?.spanId]),
      [
        ['shard receive', TRACE_ID, ROUTER_SPAN],
        ['onnxruntime run', TRACE_ID, ROUTER_SPAN],
        ['shard send', TRACE_ID, ROUTER_SPAN],
      ],
    );
    assert.deepEqual(spans.logFields(), { trace_id: TRACE_ID, span_id: ROUTER_SPAN });

    // Without one (or with a malformed one), the phases hang under a server span of the shard's own.
    recorder.reset();
    const own = CallSpans.of(header('00-not-a-traceparent'));
    endSpan(own.start('onnxruntime run'));
    own.end();
    const [run, server] = recorder.finished();
    assert.equal(server!.name, 'shardmesh.v1.Shard/Infer');
    assert.equal(server!.parentSpanContext, undefined);
    assert.equal(run!.parentSpanContext?.spanId, server!.spanContext().spanId);
  } finally {
    await recorder.stop();
  }
});
