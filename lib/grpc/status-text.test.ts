import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { status as Status } from '@grpc/grpc-js';
import { ServiceError, toStatus } from './service-error.js';
import { clip, list, MAX_STATUS_DETAILS_BYTES, quote } from './status-text.js';

void describe('status text', () => {
  void test('clip keeps short text and cuts long text at a character boundary, with "…"', () => {
    assert.equal(clip('short', 256), 'short');
    for (const unit of ['a', 'é', '€', '😀']) {
      const cut = clip(unit.repeat(1000), 256);
      assert.ok(Buffer.byteLength(cut) <= 256, `${unit}: ${Buffer.byteLength(cut)} bytes`);
      assert.ok(cut.endsWith(`${unit}…`), `${unit}: ends ${cut.slice(-3)}`);
      assert.ok(!cut.includes('\uFFFD'), `${unit}: a character was split`);
    }
  });

  void test('lone surrogates become U+FFFD, so grpc-js can percent-encode the message', () => {
    for (const text of ['a\uD800b', '\uDC00'.repeat(1000)]) {
      const cut = clip(text, 256);
      assert.doesNotThrow(() => encodeURI(cut));
    }
  });

  void test('quote and list bound what a client sent', () => {
    assert.equal(quote('x'), '"x"');
    assert.ok(Buffer.byteLength(quote('n'.repeat(1 << 20))) <= 258);
    assert.equal(list([1, 2, 3]), '[1,2,3]');
    assert.ok(Buffer.byteLength(list(new Array<number>(1 << 20).fill(123456))) <= 258);
  });

  void test('toStatus bounds the details of a ServiceError and of an upstream gRPC error', () => {
    const long = 'x'.repeat(1 << 20);
    const own = toStatus(new ServiceError(Status.INVALID_ARGUMENT, long), () => undefined);
    assert.equal(own.code, Status.INVALID_ARGUMENT);
    assert.ok(Buffer.byteLength(own.details) <= MAX_STATUS_DETAILS_BYTES);
    const upstream = Object.assign(new Error(long), { code: Status.NOT_FOUND, details: long, metadata: {} });
    const passed = toStatus(upstream, () => undefined);
    assert.equal(passed.code, Status.NOT_FOUND);
    assert.ok(Buffer.byteLength(passed.details) <= MAX_STATUS_DETAILS_BYTES);
  });
});
