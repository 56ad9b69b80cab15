import { status as Status } from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Tensor } from '../lib/tensor/tensor.js';
import type { PreparedRepository } from '../partition/models/demo-models.js';
import { randomTensor } from '../partition/models/synthetic.js';
import { relativeMaxError, runModel } from '../partition/verify/verify.js';
import { rawInferRequest, type InferResponse } from './harness/compare.js';
import { startConsulAgent, type ConsulAgent } from './harness/consul-agent.js';
import { makeCertificates, prepareTestModels, startMesh, type Mesh } from './harness/mesh.js';

/**
 * The product's core path on real components: a Consul agent, a router and two shard processes
 * (one per partition) over mutual TLS, real ONNX Runtime, and answers compared against the
 * unsplit model run in this process.
 */
describe('a mesh registered in a real Consul agent', () => {
  let consul: ConsulAgent;
  let certs: Awaited<ReturnType<typeof makeCertificates>>;
  let mesh: Mesh;
  let models: PreparedRepository;

  before(async () => {
    models = await prepareTestModels();
    consul = await startConsulAgent();
    certs = await makeCertificates([
      ['router', 'router'],
      ['client', 'client'],
      ['shard', 'shard-0'],
      ['shard', 'shard-1'],
    ]);
    mesh = await startMesh({
      registryUrl: consul.url,
      certsDir: certs.dir,
      shards: [
        { name: 'shard-0', serve: ['*/*/*/0'] },
        { name: 'shard-1', serve: ['*/*/*/1'] },
      ],
    });
    for (const model of ['mlp', 'ocr-rec', 'outer']) await mesh.waitForModel(model);
  });

  after(async () => {
    await mesh?.stop();
    await consul?.stop();
    await certs?.cleanup();
  });

  const infer = (model: string, inputs: Tensor[]): Promise<InferResponse> =>
    mesh.client.call<InferResponse>('ModelInfer', rawInferRequest(model, inputs), 120_000);

  test('Consul lists both shard processes as passing, with their identities', async () => {
    const response = await fetch(
      `http://${consul.host}:${consul.httpPort}/v1/health/service/shardmesh-shard?passing`,
    );
    const entries = (await response.json()) as { Service: { Port: number; Meta: Record<string, string> } }[];
    const ports = new Set(entries.map((e) => e.Service.Port));
    assert.deepEqual(ports, new Set([mesh.shards.get('shard-0')!.port, mesh.shards.get('shard-1')!.port]));
    const identities = new Set(entries.map((e) => e.Service.Meta['identity']));
    assert.deepEqual(
      identities,
      new Set(['spiffe://shardmesh.local/shard/shard-0', 'spiffe://shardmesh.local/shard/shard-1']),
    );
    const mlp = entries
      .filter((e) => e.Service.Meta['model'] === 'mlp')
      .map((e) => e.Service.Meta['partition'])
      .sort();
    assert.deepEqual(mlp, ['0', '1']);
  });

  test('PP-OCRv4 recognition with its 120x6625 head split by columns is bitwise equal to the unsplit model', async () => {
    const x = randomTensor('x', [1, 3, 48, 320], 11);
    const [expected] = await runModel(models.models['ocr-rec'].original, [x]);
    const response = await infer('ocr-rec', [x]);
    assert.equal(response.outputs[0]!.name, expected!.name);
    assert.deepEqual(response.outputs[0]!.shape.map(Number), expected!.shape);
    assert.equal(response.outputs[0]!.shape.at(-1), 6625);
    assert.ok(
      response.raw_output_contents[0]!.equals(expected!.data),
      'router output differs from in-process ONNX Runtime',
    );
  });

  test('a tensor-parallel MLP (columns, then rows, summed) matches the unsplit model within 1e-5', async () => {
    const x = randomTensor('x', [4, 8], 5);
    const [expected] = await runModel(models.models.mlp.original, [x]);
    const response = await infer('mlp', [x]);
    const actual: Tensor = { ...expected!, data: response.raw_output_contents[0]! };
    const error = relativeMaxError(actual, expected!);
    assert.ok(error <= 1e-5, `relative error ${error}`);
    assert.ok(!actual.data.every((b) => b === 0), 'output is all zeros');
  });

  test('a 64 MiB output streams end to end through 4 MiB-limited shard streams', async () => {
    const a = randomTensor('a', [4096, 1], 3);
    const [expected] = await runModel(models.models.outer.original, [a]);
    const response = await infer('outer', [a]);
    assert.equal(response.raw_output_contents[0]!.length, 64 << 20);
    assert.ok(response.raw_output_contents[0]!.equals(expected!.data));
  });

  test('bad input gets the status of the error table, naming the tensor, and the mesh keeps serving', async () => {
    const x = randomTensor('x', [1, 8], 1);
    const cases: [string, object, Status, RegExp][] = [
      [
        'wrong dtype',
        {
          model_name: 'mlp',
          inputs: [{ name: 'x', datatype: 'FP64', shape: [1, 8] }],
          raw_input_contents: [Buffer.alloc(64)],
        },
        Status.INVALID_ARGUMENT,
        /input "x".*FP64.*FP32/,
      ],
      [
        'wrong shape',
        {
          model_name: 'mlp',
          inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 9] }],
          raw_input_contents: [Buffer.alloc(36)],
        },
        Status.INVALID_ARGUMENT,
        /input "x".*shape \[1,9\]/,
      ],
      [
        'byte size',
        {
          model_name: 'mlp',
          inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 8] }],
          raw_input_contents: [Buffer.alloc(31)],
        },
        Status.INVALID_ARGUMENT,
        /input "x".*31 bytes.*needs 32/,
      ],
      ['unknown model', { ...rawInferRequest('nope', [x]) }, Status.NOT_FOUND, /model "nope"/],
      [
        'unknown input',
        {
          model_name: 'mlp',
          inputs: [{ name: 'z', datatype: 'FP32', shape: [1, 8] }],
          raw_input_contents: [x.data],
        },
        Status.INVALID_ARGUMENT,
        /input "z"/,
      ],
    ];
    for (const [what, request, code, details] of cases) {
      await assert.rejects(
        mesh.client.call('ModelInfer', request),
        (error: { code: number; details: string }) => {
          assert.equal(error.code, code, `${what}: ${error.details}`);
          assert.match(error.details, details, what);
          return true;
        },
      );
    }
    const response = await infer('mlp', [x]);
    assert.equal(response.raw_output_contents[0]!.length, 32 * 4);
  });

  test('a client deadline travels to the shards: DEADLINE_EXCEEDED, and the mesh keeps serving', async () => {
    const a = randomTensor('a', [4096, 1], 6);
    await assert.rejects(
      mesh.client.call('ModelInfer', rawInferRequest('outer', [a]), 30),
      (error: { code: number }) => {
        assert.equal(error.code, Status.DEADLINE_EXCEEDED);
        return true;
      },
    );
    const response = await infer('outer', [a]);
    assert.equal(response.raw_output_contents[0]!.length, 64 << 20);
  });
});
