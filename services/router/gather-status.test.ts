import assert from 'node:assert/strict';
import { test } from 'node:test';
import { status as Status } from '@grpc/grpc-js';
import { GatherError } from '../../lib/plan/gather-error.js';
import { StageGather } from '../../lib/plan/stage-gather.js';
import { ServiceError, toStatus } from '../../lib/grpc/service-error.js';
import { gatherStatus } from './gather-status.js';

/** What StageGather throws when a partition answers with outputs the plan does not list. */
function wrongOutputs(): unknown {
  const gather = new StageGather({
    name: 'mlp',
    partitions: [{ file: 'part-0.onnx' }, { file: 'part-1.onnx' }],
    inputs: [{ name: 'x', scatter: { kind: 'replicate' } }],
    outputs: [{ name: 'h', gather: { kind: 'sum' } }],
  });
  try {
    gather.sink(0).header([{ name: 'logits', datatype: 'FP32', shape: [2] }]);
  } catch (error) {
    return error;
  }
  return assert.fail('the header was accepted');
}

void test('a partition’s invalid output reaches the client as INTERNAL with the gather’s message', () => {
  const error = gatherStatus(wrongOutputs());
  assert.ok(error instanceof ServiceError, String(error));
  assert.equal(error.code, Status.INTERNAL);
  assert.equal(error.details, 'stage mlp partition 0 returned [logits], the plan says [h]');
  assert.ok(error.cause instanceof GatherError);
  const sent = toStatus(error, () => assert.fail('a mapped gather error is not unexpected'));
  assert.equal(sent.code, Status.INTERNAL);
  assert.equal(sent.details, 'stage mlp partition 0 returned [logits], the plan says [h]');
});

void test('a plan the gather cannot follow is INTERNAL too', () => {
  const error = gatherStatus(new GatherError('invalid-plan', 'stage s: top-k indices "i" are not an output'));
  assert.ok(error instanceof ServiceError);
  assert.equal(error.code, Status.INTERNAL);
});

void test('other errors pass through unchanged', () => {
  const other = new RangeError('something else');
  assert.equal(gatherStatus(other), other);
});
