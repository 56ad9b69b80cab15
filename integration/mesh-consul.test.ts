import { status as Status } from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Tensor } from '../lib/tensor/tensor.js';
import type { PreparedRepository } from '../partition/models/demo-models.js';
import { randomTensor } from '../partition/models/synthetic.js';
import { relativeMaxError, runModel } from '../partition/verify/verify.js';
import { ChildLogs, message } from './harness/child-logs.js';
import { rawInferRequest, type InferResponse } from './harness/compare.js';
import { startConsulAgent, type ConsulAgent } from './harness/consul-agent.js';
import { startInfer } from './harness/cancellable-infer.js';
import { makeCertificates, prepareTestModels, startMesh, type Mesh } from './harness/mesh.js';

/** How long every partition run waits on the slow shard (the test-only seam), before it runs. */
const SLOW_RUN_DELAY_MS = 3_000;

/**
 * The product's core path on real components: a Consul agent, a router and shard processes (one
 * per partition) over mutual TLS, real ONNX Runtime, and answers compared against the unsplit
 * model run in this process. Partition 1 of `outer` lives on a shard whose runs are held for
 * SLOW_RUN_DELAY_MS, so deadline and cancellation tests find a call mid-run there and read what
 * the shard logged about it.
 */
describe('a mesh registered in a real Consul agent', () => {
  let consul: ConsulAgent;
  let certs: Awaited<ReturnType<typeof makeCertificates>>;
  let mesh: Mesh;
  let models: PreparedRepository;
  let slowShard: ChildLogs;

  before(async () => {
    models = await prepareTestModels();
    consul = await startConsulAgent();
    certs = await makeCertificates([
      ['router', 'router'],
      ['client', 'client'],
      ['shard', 'shard-0'],
      ['shard', 'shard-1'],
      ['shard', 'shard-slow'],
    ]);
    mesh = await startMesh({
      registryUrl: consul.url,
      certsDir: certs.dir,
      logs: 'pipe',
      shards: [
        { name: 'shard-0', serve: ['*/*/*/0'] },
        { name: 'shard-1', serve: ['mlp/*/*/1', 'ocr-rec/*/*/1'] },
        {
          name: 'shard-slow',
          serve: ['outer/*/*/1'],
          env: { SHARDMESH_TEST_RUN_DELAY_MS: String(SLOW_RUN_DELAY_MS), SHARDMESH_LOG_LEVEL: 'debug' },
        },
      ],
    });
    ChildLogs.tap(mesh.router);
    for (const shard of mesh.shards.values()) ChildLogs.tap(shard);
    slowShard = ChildLogs.tap(mesh.shards.get('shard-slow')!);
    for (const model of ['mlp', 'ocr-rec', 'outer']) await mesh.waitForModel(model);
  });

  after(async () => {
    await mesh?.stop();
    await consul?.stop();
    await certs?.cleanup();
  });

  const infer = (model: string, inputs: Tensor[]): Promise<InferResponse> =>
    mesh.client.call<InferResponse>('ModelInfer', rawInferRequest(model, inputs), 120_000);

  test('Consul lists every shard process as passing, with its identity', async () => {
    const response = await fetch(
      `http://${consul.host}:${consul.httpPort}/v1/health/service/shardmesh-shard?passing`,
    );
    const entries = (await response.json()) as { Service: { Port: number; Meta: Record<string, string> } }[];
    const ports = new Set(entries.map((e) => e.Service.Port));
    assert.deepEqual(ports, new Set([...mesh.shards.values()].map((s) => s.port)));
    const identities = new Set(entries.map((e) => e.Service.Meta['identity']));
    assert.deepEqual(
      identities,
      new Set(['shard-0', 'shard-1', 'shard-slow'].map((n) => `spiffe://shardmesh.local/shard/${n}`)),
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
      [
        'unknown model',
        { ...rawInferRequest('nope', [x]) },
        Status.NOT_FOUND,
        /Request for unknown model: 'nope' is not found/,
      ],
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

  const outerRequest = (id: string, seed: number): object => ({
    ...rawInferRequest('outer', [randomTensor('a', [4096, 1], seed)]),
    id,
  });

  test('a client deadline travels to the shards: the shard sees that deadline, stops the run, and keeps serving', async () => {
    const id = 'deadline-1';
    const timeoutMs = 1_500;
    const clientDeadlineMs = Date.now() + timeoutMs;
    await assert.rejects(
      mesh.client.call('ModelInfer', outerRequest(id, 6), timeoutMs),
      (error: { code: number }) => {
        assert.equal(error.code, Status.DEADLINE_EXCEEDED);
        return true;
      },
    );
    // The shard's own account: the call ended at its deadline while the partition ran, and that
    // deadline is the client's, carried through the router.
    const ended = await slowShard.waitFor(
      'why call deadline-1 ended',
      message('shard infer ended early', id),
      10_000,
    );
    assert.equal(ended['reason'], 'deadline');
    assert.equal(ended['phase'], 'running');
    const shardDeadlineMs = Date.parse(String(ended['deadline']));
    assert.ok(
      Math.abs(shardDeadlineMs - clientDeadlineMs) < 100,
      `the shard's deadline ${String(ended['deadline'])} is not the client's ${new Date(clientDeadlineMs).toISOString()}`,
    );
    const stopped = await slowShard.waitFor(
      'that the run of deadline-1 stopped',
      message('partition run stopped: its call had ended', id),
      10_000,
    );
    assert.ok(
      Number(stopped['ranMs']) < SLOW_RUN_DELAY_MS,
      `the run went on for ${String(stopped['ranMs'])} ms`,
    );
    const a = randomTensor('a', [4096, 1], 6);
    const [expected] = await runModel(models.models.outer.original, [a]);
    const response = await infer('outer', [a]);
    assert.ok(response.raw_output_contents[0]!.equals(expected!.data));
  });

  test('a client cancellation reaches the shards: the shard sees the call cancelled and stops the run', async () => {
    const id = 'cancel-1';
    const call = startInfer<InferResponse>(mesh.client, outerRequest(id, 7), 60_000);
    await slowShard.waitFor('call cancel-1 running', message('shard infer running', id), 20_000);
    call.cancel();
    await assert.rejects(call.result, (error: { code: number }) => {
      assert.equal(error.code, Status.CANCELLED);
      return true;
    });
    const ended = await slowShard.waitFor(
      'why call cancel-1 ended',
      message('shard infer ended early', id),
      10_000,
    );
    assert.equal(ended['reason'], 'cancelled');
    assert.equal(ended['phase'], 'running');
    const stopped = await slowShard.waitFor(
      'that the run of cancel-1 stopped',
      message('partition run stopped: its call had ended', id),
      10_000,
    );
    assert.ok(
      Number(stopped['ranMs']) < SLOW_RUN_DELAY_MS,
      `the run went on for ${String(stopped['ranMs'])} ms`,
    );
    assert.equal(slowShard.filter(message('shard infer done', id)).length, 0, 'no outputs were sent');
  });
});
