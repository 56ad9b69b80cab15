import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import { status as Status } from '@grpc/grpc-js';
import { ServiceError } from '../grpc/service-error.js';
import { recordSpansInMemory, type SpanRecorder } from './in-memory-spans.js';
import { endSpan, SpanKind, startChildSpan, startRootSpan, traceLogFields, traceparentOf } from './spans.js';
import { parseTraceparent } from './traceparent.js';

let recorder: SpanRecorder;
before(() => (recorder = recordSpansInMemory()));
after(() => recorder.stop());

const CLIENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

void test("a root span continues the client's trace; children nest under it; failures carry the status", () => {
  recorder.reset();
  const root = startRootSpan('ModelInfer', SpanKind.SERVER, parseTraceparent(CLIENT));
  const child = startChildSpan('stage', root);
  endSpan(child, new ServiceError(Status.UNAVAILABLE, 'no healthy replica'));
  endSpan(root);
  const [stage, request] = recorder.finished();
  assert.equal(request!.spanContext().traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
  assert.equal(request!.parentSpanContext?.spanId, '00f067aa0ba902b7');
  assert.equal(stage!.parentSpanContext?.spanId, request!.spanContext().spanId);
  assert.equal(stage!.status.code, SpanStatusCode.ERROR);
  assert.equal(stage!.status.message, 'UNAVAILABLE: no healthy replica');
  assert.equal(stage!.attributes['rpc.grpc.status_code'], Status.UNAVAILABLE);
  assert.equal(request!.status.code, SpanStatusCode.UNSET);
});

void test('what is passed on and logged names the span, and only for a sampled trace', () => {
  const root = startRootSpan('ModelInfer', SpanKind.SERVER);
  const parsed = parseTraceparent(traceparentOf(root));
  assert.equal(parsed?.spanId, root.spanContext().spanId);
  assert.deepEqual(traceLogFields(root.spanContext()), {
    trace_id: root.spanContext().traceId,
    span_id: root.spanContext().spanId,
  });
  endSpan(root);
  const unsampled = parseTraceparent(CLIENT.replace(/01$/, '00'))!;
  assert.equal(traceLogFields(unsampled), undefined);
});

void test('a parent that does not record stands in for its children, and passes "not sampled" on', () => {
  recorder.reset();
  const unsampled = trace.wrapSpanContext(parseTraceparent(CLIENT.replace(/01$/, '00'))!);
  const stage = startChildSpan('stage', unsampled);
  assert.equal(stage, unsampled);
  assert.equal(startChildSpan('partition call', stage), unsampled);
  assert.equal(traceparentOf(stage), CLIENT.replace(/01$/, '00'));
  endSpan(stage);
  assert.equal(recorder.finished().length, 0);
});

void test('spans are timed to the microsecond, so sub-millisecond siblings keep their order', () => {
  recorder.reset();
  const parent = startRootSpan('stage', SpanKind.INTERNAL);
  for (const name of ['a', 'b', 'c']) endSpan(startChildSpan(name, parent));
  endSpan(parent);
  const us = (t: [number, number]): number => t[0] * 1e6 + t[1] / 1e3;
  const [a, b, c] = recorder.finished();
  for (const [earlier, later] of [
    [a!, b!],
    [b!, c!],
  ] as const) {
    assert.ok(us(earlier.endTime) <= us(later.startTime), `${earlier.name} ends before ${later.name} starts`);
    assert.ok(us(earlier.startTime) < us(later.startTime), `${earlier.name} starts before ${later.name}`);
  }
  // Within a millisecond of the wall clock.
  assert.ok(Math.abs(us(a!.startTime) / 1000 - Date.now()) < 50);
});
