import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildInferRequest } from './infer-request.js';

describe('infer request', () => {
  test('inputs go as raw contents in order; outputs, version, id and typed parameters as given', () => {
    const request = buildInferRequest(
      'm',
      {
        a: { shape: [2], data: Int32Array.from([1, -1]) },
        s: { shape: [1], data: ['hi'] },
      },
      { version: '3', id: 'r', outputs: ['y'], parameters: { n: 4, f: 0.5, b: true, t: 'x' } },
    ) as Record<string, unknown>;
    assert.equal(request['model_name'], 'm');
    assert.equal(request['model_version'], '3');
    assert.equal(request['id'], 'r');
    assert.deepEqual(request['inputs'], [
      { name: 'a', datatype: 'INT32', shape: [2] },
      { name: 's', datatype: 'BYTES', shape: [1] },
    ]);
    assert.deepEqual(request['outputs'], [{ name: 'y' }]);
    assert.deepEqual(request['parameters'], {
      n: { int64_param: 4 },
      f: { double_param: 0.5 },
      b: { bool_param: true },
      t: { string_param: 'x' },
    });
    assert.deepEqual(request['raw_input_contents'], [
      Buffer.from([1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]),
      Buffer.from([2, 0, 0, 0, 0x68, 0x69]),
    ]);
  });

  test('defaults: any version, no id, every output', () => {
    const request = buildInferRequest('m', { x: { shape: [], data: new Float32Array(1) } }) as Record<
      string,
      unknown
    >;
    assert.deepEqual([request['model_version'], request['id'], request['outputs']], ['', '', []]);
  });
});
