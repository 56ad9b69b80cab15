import { status as Status, type ServiceError as GrpcError } from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PACKAGE_ROOT } from '../cli/paths.js';
import { decodeBytes, encodeBytes } from '../lib/tensor/bytes.js';
import type { Tensor } from '../lib/tensor/tensor.js';
import type { PreparedRepository } from '../partition/models/demo-models.js';
import { runModel } from '../partition/verify/verify.js';
import { rawInferRequest, type InferResponse } from './harness/compare.js';
import { makeCertificates, prepareTestModels, startMesh, type Mesh } from './harness/mesh.js';
import { runTool, toolPath } from './harness/tools.js';

const strings = (values: readonly (number | string)[]): Buffer => encodeBytes(values.map(String));
const bytesTensor = (name: string, rows: number, values: readonly (number | string)[]): Tensor => ({
  name,
  datatype: 'BYTES',
  shape: [rows, 16],
  data: strings(values),
});
const text = (data: Uint8Array, count: number): string[] => decodeBytes(data, count).map((b) => b.toString());

/**
 * BYTES end to end: `simple_string` (split data-parallel in two) served by two shards, each
 * holding one partition, over mTLS; the shards send outputs in 16-byte chunks, so elements are cut
 * across chunks on the way back, and a large request is cut across the router's 1 MiB chunks on
 * the way in.
 */
describe('BYTES tensors through a mesh', () => {
  let certs: Awaited<ReturnType<typeof makeCertificates>>;
  let work: string;
  let mesh: Mesh;
  let models: PreparedRepository;

  before(async () => {
    models = await prepareTestModels();
    certs = await makeCertificates([
      ['router', 'router'],
      ['client', 'client'],
      ['shard', 'shard-0'],
      ['shard', 'shard-1'],
    ]);
    work = await mkdtemp(path.join(tmpdir(), 'shardmesh-bytes-'));
    const args = ['--chunk-bytes', '16'];
    mesh = await startMesh({
      registryUrl: `embedded:${path.join(work, 'registry')}`,
      certsDir: certs.dir,
      shards: [
        { name: 'shard-0', serve: ['simple_string/*/*/0'], args },
        { name: 'shard-1', serve: ['simple_string/*/*/1'], args },
      ],
      models: ['simple_string'],
    });
  });

  after(async () => {
    await mesh?.stop();
    await certs?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const infer = (inputs: readonly Tensor[]) =>
    mesh.client.call<InferResponse & { outputs: { datatype: string; shape: string[] }[] }>(
      'ModelInfer',
      rawInferRequest('simple_string', inputs),
    );

  test('sum and difference as strings, in raw_output_contents as length-prefixed elements, rows from both shards', async () => {
    const rows = 5;
    const a = Array.from({ length: rows * 16 }, (_, i) => i * 1234 - 40000);
    const b = Array.from({ length: rows * 16 }, (_, i) => 7 - i);
    const response = await infer([bytesTensor('INPUT0', rows, a), bytesTensor('INPUT1', rows, b)]);
    assert.deepEqual(
      response.outputs.map((o) => [o.name, o.datatype, o.shape.map(Number)]),
      [
        ['OUTPUT0', 'BYTES', [rows, 16]],
        ['OUTPUT1', 'BYTES', [rows, 16]],
      ],
    );
    const sum = a.map((x, i) => x + b[i]!);
    const difference = a.map((x, i) => x - b[i]!);
    // The exact bytes: each element a 4-byte little-endian length, then its text.
    assert.ok(Buffer.from(response.raw_output_contents[0]!).equals(strings(sum)));
    assert.ok(Buffer.from(response.raw_output_contents[1]!).equals(strings(difference)));
  });

  test('an element cut across the router chunks of a 1 MiB+ input is decoded whole by the shard', async () => {
    // 16 elements of 70,004 bytes (prefix and 70,000 digits): 1,120,064 bytes per input, so the
    // router sends two chunks and the cut at 1 MiB falls inside element 14, [980,056, 1,050,060).
    const padded = Array.from({ length: 16 }, (_, i) => `${'0'.repeat(70_000 - 4)}${1000 + i}`);
    const ones = Array.from({ length: 16 }, () => '1');
    const response = await infer([bytesTensor('INPUT0', 1, padded), bytesTensor('INPUT1', 1, ones)]);
    assert.deepEqual(
      text(response.raw_output_contents[0]!, 16),
      padded.map((_, i) => String(1001 + i)),
    );
  });

  test('bytes_contents (typed) in, raw_output_contents out, the same bytes as the unsplit model', async () => {
    const a = Array.from({ length: 32 }, (_, i) => String(i * 3));
    const b = Array.from({ length: 32 }, (_, i) => String(-i));
    const typed = (name: string, values: string[]) => ({
      name,
      datatype: 'BYTES',
      shape: [2, 16],
      contents: { bytes_contents: values.map((v) => Buffer.from(v)) },
    });
    const response = await mesh.client.call<InferResponse & { outputs: { contents?: unknown }[] }>(
      'ModelInfer',
      {
        model_name: 'simple_string',
        inputs: [typed('INPUT0', a), typed('INPUT1', b)],
      },
    );
    const expected = await runModel(models.models.simple_string.original, [
      bytesTensor('INPUT0', 2, a),
      bytesTensor('INPUT1', 2, b),
    ]);
    assert.equal(response.raw_output_contents.length, 2);
    expected.forEach((t, i) =>
      assert.ok(Buffer.from(response.raw_output_contents[i]!).equals(t.data), t.name),
    );
  });

  test('bad BYTES input is INVALID_ARGUMENT naming the input; the router keeps serving', async () => {
    const good = bytesTensor(
      'INPUT1',
      1,
      Array.from({ length: 16 }, () => 1),
    );
    const cut = {
      ...bytesTensor(
        'INPUT0',
        1,
        Array.from({ length: 16 }, (_, i) => i),
      ),
    };
    const lying = Buffer.from(cut.data);
    lying.writeUInt32LE(1 << 20, 0); // element 0 claims a MiB
    const fifteen = bytesTensor(
      'INPUT0',
      1,
      Array.from({ length: 15 }, (_, i) => i),
    );
    for (const [input, why] of [
      [{ ...cut, data: lying }, /element 0's length prefix says 1048576 bytes, past the end/],
      [
        { ...cut, data: cut.data.subarray(0, cut.data.length - 2) },
        /element 15's length prefix says 2 bytes, past the end/,
      ],
      [fifteen, /element 15's 4-byte length prefix runs past the end/],
    ] as const) {
      await assert.rejects(infer([input, good]), (error: GrpcError) => {
        assert.equal(error.code, Status.INVALID_ARGUMENT);
        assert.match(
          error.details,
          /^input "INPUT0": raw_input_contents is not 16 BYTES elements of shape \[1,16\]/,
        );
        assert.match(error.details, why);
        return true;
      });
    }
    const response = await infer([
      bytesTensor(
        'INPUT0',
        1,
        Array.from({ length: 16 }, () => 41),
      ),
      good,
    ]);
    assert.deepEqual(
      text(response.raw_output_contents[0]!, 16),
      Array.from({ length: 16 }, () => '42'),
    );
  });

  test("tritonclient.grpc: Triton's string example call, numpy object arrays of bytes, sum and difference back", async () => {
    const result = await runTool(
      toolPath('venv/bin/python'),
      [path.join(PACKAGE_ROOT, 'integration', 'clients', 'triton_string_check.py'), mesh.address, certs.dir],
      120_000,
    );
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    const said = JSON.parse(result.stdout) as {
      output0: string[];
      output1: string[];
      shape: number[];
      dtype: string;
      datatype: string;
      failures: string[];
    };
    assert.deepEqual(said.failures, []);
    assert.deepEqual([said.shape, said.dtype, said.datatype], [[1, 16], 'object', 'BYTES']);
    assert.deepEqual(
      said.output0,
      Array.from({ length: 16 }, (_, i) => String(i + 1)),
    );
    assert.deepEqual(
      said.output1,
      Array.from({ length: 16 }, (_, i) => String(i - 1)),
    );
  });
});
