import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatTraceparent, parseTraceparent } from './traceparent.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';

void test("the W3C specification's example parses to its ids, sampled, remote", () => {
  const context = parseTraceparent(`00-${TRACE_ID}-${SPAN_ID}-01`);
  assert.deepEqual(context, { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1, isRemote: true });
  assert.equal(parseTraceparent(`00-${TRACE_ID}-${SPAN_ID}-00`)?.traceFlags, 0);
  // Flags other than "sampled" are not passed on.
  assert.equal(parseTraceparent(`00-${TRACE_ID}-${SPAN_ID}-ff`)?.traceFlags, 1);
});

void test('tracestate travels with a valid traceparent', () => {
  const context = parseTraceparent(`00-${TRACE_ID}-${SPAN_ID}-01`, 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE');
  assert.equal(context?.traceState?.get('congo'), 't61rcWkgMzE');
  assert.equal(context?.traceState?.serialize(), 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE');
});

void test('malformed values are ignored, not errors', () => {
  for (const bad of [
    undefined,
    '',
    'hello',
    `00-${TRACE_ID.toUpperCase()}-${SPAN_ID}-01`,
    `00-${'0'.repeat(32)}-${SPAN_ID}-01`,
    `00-${TRACE_ID}-${'0'.repeat(16)}-01`,
    `ff-${TRACE_ID}-${SPAN_ID}-01`,
    `0-${TRACE_ID}-${SPAN_ID}-01`,
    `00-${TRACE_ID}-${SPAN_ID}-01-extra`,
    `00-${TRACE_ID.slice(1)}-${SPAN_ID}-01`,
    `00-${TRACE_ID}-${SPAN_ID}-1`,
    `00_${TRACE_ID}_${SPAN_ID}_01`,
  ])
    assert.equal(parseTraceparent(bad), undefined, String(bad));
});

void test('a later version is read by its version-00 fields, extra fields ignored', () => {
  const context = parseTraceparent(`cc-${TRACE_ID}-${SPAN_ID}-01-what-the-future-adds`);
  assert.equal(context?.traceId, TRACE_ID);
  assert.equal(context?.spanId, SPAN_ID);
});

void test('formatting is the inverse of parsing', () => {
  for (const value of [`00-${TRACE_ID}-${SPAN_ID}-01`, `00-${TRACE_ID}-${SPAN_ID}-00`])
    assert.equal(formatTraceparent(parseTraceparent(value)!), value);
});
