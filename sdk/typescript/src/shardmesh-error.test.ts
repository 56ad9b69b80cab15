import { Metadata } from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fromStreamErrorMessage, ShardmeshError, Status, toShardmeshError } from './shardmesh-error.js';

describe('ShardmeshError', () => {
  test('a grpc-js error keeps its status, details, metadata and pushback, and is the cause', () => {
    const metadata = new Metadata();
    metadata.set('grpc-retry-pushback-ms', '120');
    const grpc = Object.assign(new Error('8 RESOURCE_EXHAUSTED: over quota'), {
      code: Status.RESOURCE_EXHAUSTED,
      details: 'over quota',
      metadata,
    });
    const e = toShardmeshError(grpc);
    assert.ok(e instanceof ShardmeshError);
    assert.equal(e.code, Status.RESOURCE_EXHAUSTED);
    assert.equal(e.codeName, 'RESOURCE_EXHAUSTED');
    assert.equal(e.details, 'over quota');
    assert.equal(e.message, 'RESOURCE_EXHAUSTED: over quota');
    assert.equal(e.retryPushbackMs, 120);
    assert.equal(e.cause, grpc);
  });

  test('anything else is UNKNOWN with its message', () => {
    const e = toShardmeshError(new TypeError('boom'));
    assert.equal(e.code, Status.UNKNOWN);
    assert.equal(e.details, 'boom');
  });

  test("a stream's error_message: the router's CODE prefix is its status; bare text is UNKNOWN", () => {
    const e = fromStreamErrorMessage('INVALID_ARGUMENT: input "x": shape [1,7]');
    assert.equal(e.code, Status.INVALID_ARGUMENT);
    assert.equal(e.details, 'input "x": shape [1,7]');
    assert.equal(fromStreamErrorMessage('in ensemble: failed').code, Status.UNKNOWN);
    assert.equal(fromStreamErrorMessage('NOT_A_CODE: x').code, Status.UNKNOWN);
  });
});
