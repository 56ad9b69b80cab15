import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Metadata, status as Status } from '@grpc/grpc-js';
import { ServiceError, toStatus } from './service-error.js';

const unexpected = (): never => assert.fail('a ServiceError is never unexpected');

void describe('toStatus carries a ServiceError’s trailing metadata', () => {
  it('puts the error’s metadata in the status the client receives', () => {
    const metadata = new Metadata();
    metadata.set('grpc-retry-pushback-ms', '250');
    const error = new ServiceError(Status.RESOURCE_EXHAUSTED, 'over quota', { metadata });
    const sent = toStatus(error, unexpected);
    assert.equal(sent.code, Status.RESOURCE_EXHAUSTED);
    assert.deepEqual(sent.metadata.get('grpc-retry-pushback-ms'), ['250']);
    // Each answer gets its own copy, so what grpc-js adds to one does not reach the next.
    sent.metadata.set('extra', 'x');
    assert.deepEqual(toStatus(error, unexpected).metadata.get('extra'), []);
  });

  it('sends empty metadata for an error that has none', () => {
    const sent = toStatus(new ServiceError(Status.NOT_FOUND, 'no such model'), unexpected);
    assert.deepEqual(sent.metadata.getMap(), {});
  });
});
