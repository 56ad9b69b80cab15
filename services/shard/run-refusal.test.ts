import assert from 'node:assert/strict';
import { test } from 'node:test';
import { status as Status } from '@grpc/grpc-js';
import { runRefusal } from './run-refusal.js';

test("a refused run is INVALID_ARGUMENT quoting ONNX Runtime, without its sources' paths, cut to length", () => {
  const said =
    "Non-zero status code returned while running Reshape node. Name:'r' Status Message: " +
    '/onnxruntime_src/onnxruntime/core/providers/cpu/tensor/reshape_helper.h:30 ' +
    'The input tensor cannot be reshaped to the requested shape. Input shape:{1,3}, requested shape:{2}';
  const refusal = runRefusal(new Error(said));
  assert.equal(refusal.code, Status.INVALID_ARGUMENT);
  assert.equal(
    refusal.details,
    'the model could not run on these input values (ONNX Runtime: "Non-zero status code returned while running ' +
      "Reshape node. Name:'r' Status Message: The input tensor cannot be reshaped to the requested shape. " +
      'Input shape:{1,3}, requested shape:{2}"); check what the inputs hold',
  );
  const long = runRefusal(new Error('x'.repeat(5_000)));
  assert.ok(long.details.includes(`"${'x'.repeat(400)}…"`), 'cut to 400 characters');
  assert.ok(long.details.length < 500);
});

test('memory ONNX Runtime could not get is RESOURCE_EXHAUSTED, a limit of the shard the router retries elsewhere', () => {
  const refusal = runRefusal(new Error('Failed to allocate memory for requested buffer of size 8589934592'));
  assert.equal(refusal.code, Status.RESOURCE_EXHAUSTED);
  assert.equal(refusal.details, 'the shard could not allocate memory for the run');
});
