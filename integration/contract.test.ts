import {
  Metadata,
  status as Status,
  type ClientDuplexStream,
  type ServiceError as GrpcError,
} from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { storeTlsFiles } from '../certs/store.js';
import { InferenceClient } from '../cli/inference-client.js';
import { randomTensor } from '../partition/models/synthetic.js';
import type { Tensor } from '../lib/tensor/tensor.js';
import { loadTlsFiles } from '../certs/credentials.js';
import { rawInferRequest, type InferResponse } from './harness/compare.js';
import { frame, RawGrpcSession } from './harness/raw-grpc.js';
import { makeCertificates, prepareTestModels, startMesh, type Mesh } from './harness/mesh.js';

type StreamAnswer = {
  error_message: string;
  infer_response: { id: string; model_name: string } & InferResponse;
};

/**
 * What a client may learn from a status: never an identity, an address, a shard instance or a
 * file path (the router's log has those, under the request id the message quotes).
 */
function assertNothingInternal(details: string): void {
  assert.doesNotMatch(details, /spiffe:/, details);
  assert.doesNotMatch(details, /127\.0\.0\.1|localhost|:\d{2,5}\b/, details);
  assert.doesNotMatch(details, /shard-\d/, details);
  assert.doesNotMatch(details, /\/(tmp|home|work|opt)\/|\.onnx|\.pem|plan\.json/, details);
}

/** A refusal with `code`, nothing internal in its message, and (when given) the request id quoted. */
const refused =
  (code: Status, details: RegExp, requestId?: string) =>
  (error: GrpcError): boolean => {
    assert.equal(Status[error.code], Status[code], error.details);
    assert.match(error.details, details);
    assertNothingInternal(error.details);
    if (requestId !== undefined)
      assert.ok(error.details.endsWith(`(request id "${requestId}")`), error.details);
    return true;
  };

/** Sends `requests` on one ModelStreamInfer call, half-closes, and collects the answers and the call's status. */
function streamInfer(
  client: InferenceClient,
  requests: readonly object[],
): Promise<{ answers: StreamAnswer[]; code: Status; details: string }> {
  const call = (
    client.raw as unknown as { ModelStreamInfer(): ClientDuplexStream<object, StreamAnswer> }
  ).ModelStreamInfer();
  const answers: StreamAnswer[] = [];
  return new Promise((resolve) => {
    call.on('data', (answer: StreamAnswer) => answers.push(answer));
    call.on('error', () => undefined); // The status below says it all.
    call.on('status', (s: { code: Status; details: string }) =>
      resolve({ answers, code: s.code, details: s.details }),
    );
    for (const request of requests) call.write(request);
    call.end();
  });
}

/**
 * The public contract (proto/inference/grpc_service.proto, the README's error table) against a real
 * router and shards: the form of answers, the extensions advertised, the RPCs not served, and what
 * every reachable error path tells a client. `mlp` is served whole; `ocr-rec` and `outer` lack a
 * replica of partition 1; the router's byte budget (16 MiB) is below what `outer` answers (64 MiB).
 * The `limited` client may only infer on mlp, two requests then one per 10 s.
 */
describe('the public contract, on a real router and shards', () => {
  let certs: Awaited<ReturnType<typeof makeCertificates>>;
  let work: string;
  let mesh: Mesh;
  let limited: InferenceClient;
  const x = randomTensor('x', [2, 8], 40);
  const ocrInput: Tensor = randomTensor('x', [1, 3, 48, 64], 41);
  const outerInput: Tensor = randomTensor('a', [4096, 1], 42);

  before(async () => {
    await prepareTestModels();
    certs = await makeCertificates([
      ['router', 'router'],
      ['client', 'client'],
      ['client', 'limited'],
      ['shard', 'shard-0'],
      ['shard', 'shard-1'],
    ]);
    work = await mkdtemp(path.join(tmpdir(), 'shardmesh-contract-'));
    const policyFile = path.join(work, 'policy.json');
    await writeFile(
      policyFile,
      JSON.stringify({
        version: 1,
        rules: [
          { principals: [{ spiffe: 'spiffe://*/client/client' }], verbs: ['*'], models: ['*'] },
          { principals: [{ spiffe: 'spiffe://*/client/limited' }], verbs: ['infer'], models: ['mlp'] },
        ],
        quotas: [
          {
            principals: [{ spiffe: 'spiffe://*/client/limited' }],
            quota: { requestsPerSecond: 0.1, requestsBurst: 2 },
          },
        ],
      }),
    );
    mesh = await startMesh({
      certsDir: certs.dir,
      shards: [
        { name: 'shard-0', serve: ['*/*/*/0'] },
        { name: 'shard-1', serve: ['mlp/*/*/1'] },
      ],
      routerArgs: ['--policy', policyFile, '--max-inflight-bytes', '16MiB'],
      models: ['mlp'],
    });
    limited = await InferenceClient.connect(mesh.address, storeTlsFiles(certs.dir, 'limited'));
  });

  after(async () => {
    limited?.close();
    await mesh?.stop();
    await certs?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('ServerMetadata advertises model_configuration, model_repository and statistics, all served', async () => {
    const metadata = await mesh.client.call<{ name: string; extensions: string[] }>('ServerMetadata', {});
    assert.equal(metadata.name, 'shardmesh');
    assert.deepEqual(metadata.extensions, ['model_configuration', 'model_repository', 'statistics']);
    const config = await mesh.client.call<{ config: { name: string; input: { name: string }[] } }>(
      'ModelConfig',
      { name: 'mlp', version: '' },
    );
    assert.equal(config.config.name, 'mlp');
    assert.deepEqual(
      config.config.input.map((i) => i.name),
      ['x'],
    );
    const stats = await mesh.client.call<{ model_stats: { name: string }[] }>('ModelStatistics', {
      name: 'mlp',
      version: '',
    });
    assert.deepEqual(
      stats.model_stats.map((s) => s.name),
      ['mlp'],
    );
    await assert.rejects(
      mesh.client.call('ModelStatistics', { name: 'no-such-model', version: '' }),
      refused(Status.NOT_FOUND, /Request for unknown model: 'no-such-model' is not found/),
    );
  });

  test('RepositoryModelUnload: new requests UNAVAILABLE, ModelReady false, listed "unloaded"; RepositoryModelLoad serves it again', async () => {
    const index = async () =>
      (
        await mesh.client.call<{
          models: { name: string; version: string; state: string; reason: string }[];
        }>('RepositoryIndex', {})
      ).models.filter((m) => m.name === 'mlp');
    assert.deepEqual(await index(), [{ name: 'mlp', version: '1', state: 'READY', reason: '' }]);
    await mesh.client.call('RepositoryModelUnload', { model_name: 'mlp' });
    try {
      await assert.rejects(
        mesh.client.call('ModelInfer', { ...rawInferRequest('mlp', [x]), id: 'after-unload' }),
        refused(
          Status.UNAVAILABLE,
          /^Request for unknown model: 'mlp' is unloaded .*RepositoryModelLoad serves it again$/,
        ),
      );
      await assert.rejects(
        mesh.client.call('ModelMetadata', { name: 'mlp', version: '' }),
        refused(Status.UNAVAILABLE, /is unloaded/),
      );
      assert.equal(
        (await mesh.client.call<{ ready: boolean }>('ModelReady', { name: 'mlp', version: '' })).ready,
        false,
      );
      assert.deepEqual(await index(), [
        {
          name: 'mlp',
          version: '1',
          state: 'UNAVAILABLE',
          reason: 'unloaded: unloaded through RepositoryModelUnload',
        },
      ]);
    } finally {
      await mesh.client.call('RepositoryModelLoad', { model_name: 'mlp' });
    }
    assert.equal(
      (await mesh.client.call<{ ready: boolean }>('ModelReady', { name: 'mlp', version: '' })).ready,
      true,
    );
    const answer = await mesh.client.call<InferResponse>('ModelInfer', rawInferRequest('mlp', [x]));
    assert.equal(answer.model_version, '1');
    assert.deepEqual(await index(), [{ name: 'mlp', version: '1', state: 'READY', reason: '' }]);
  });

  test('RepositoryModelLoad/Unload: an unknown model is NOT_FOUND, an empty name INVALID_ARGUMENT', async () => {
    for (const rpc of ['RepositoryModelLoad', 'RepositoryModelUnload']) {
      await assert.rejects(
        mesh.client.call(rpc, { model_name: 'no-such-model' }),
        refused(Status.NOT_FOUND, /Request for unknown model: 'no-such-model' is not found/),
      );
      await assert.rejects(
        mesh.client.call(rpc, { model_name: '' }),
        refused(Status.INVALID_ARGUMENT, /model_name is empty/),
      );
    }
  });

  test('each RPC checks the verb the proto names: metadata, statistics, admin; the server-wide ones none', async () => {
    const denied: [string, object, string][] = [
      ['ModelReady', { name: 'mlp', version: '' }, 'metadata'],
      ['ModelMetadata', { name: 'mlp', version: '' }, 'metadata'],
      ['ModelConfig', { name: 'mlp', version: '' }, 'metadata'],
      ['ModelStatistics', { name: 'mlp', version: '' }, 'statistics'],
      ['RepositoryIndex', {}, 'admin'],
      ['RepositoryModelLoad', { model_name: 'mlp' }, 'admin'],
      ['RepositoryModelUnload', { model_name: 'mlp' }, 'admin'],
    ];
    for (const [method, request, verb] of denied)
      await assert.rejects(
        limited.call(method, request),
        refused(Status.PERMISSION_DENIED, new RegExp(`^permission denied: verb ${verb} on model`)),
        method,
      );
    assert.equal((await limited.call<{ live: boolean }>('ServerLive', {})).live, true);
    assert.equal((await limited.call<{ ready: boolean }>('ServerReady', {})).ready, true);
    assert.equal((await limited.call<{ name: string }>('ServerMetadata', {})).name, 'shardmesh');
  });

  test("Triton's RPCs that shardmesh leaves out (shared memory, trace, logging) are UNIMPLEMENTED", async () => {
    const session = new RawGrpcSession(mesh.address, await loadTlsFiles(storeTlsFiles(certs.dir, 'client')));
    try {
      for (const method of [
        'SystemSharedMemoryStatus',
        'CudaSharedMemoryRegister',
        'TraceSetting',
        'LogSettings',
      ]) {
        const result = await session.call(
          `/inference.GRPCInferenceService/${method}`,
          [frame(Buffer.alloc(0))],
          10_000,
        );
        assert.equal(Status[result.code ?? -1], 'UNIMPLEMENTED', `${method}: ${result.details}`);
      }
    } finally {
      session.close();
    }
  });

  test('typed input contents are answered in raw_output_contents, the same bytes as a raw request gets', async () => {
    const values = Array.from(new Float32Array(Uint8Array.from(x.data).buffer));
    const typed = await mesh.client.call<InferResponse & { outputs: { contents: unknown }[] }>('ModelInfer', {
      model_name: 'mlp',
      id: 'typed',
      inputs: [{ name: 'x', datatype: 'FP32', shape: x.shape, contents: { fp32_contents: values } }],
    });
    const raw = await mesh.client.call<InferResponse>('ModelInfer', rawInferRequest('mlp', [x]));
    assert.equal(typed.outputs[0]!.contents, null, 'no typed contents in the answer');
    assert.equal(typed.raw_output_contents.length, 1);
    assert.ok(typed.raw_output_contents[0]!.equals(raw.raw_output_contents[0]!));
  });

  test('raw and typed contents mixed in one request are INVALID_ARGUMENT', async () => {
    const request = rawInferRequest('mlp', [x]) as { inputs: object[] };
    request.inputs[0] = { ...request.inputs[0], contents: { fp32_contents: [1] } };
    await assert.rejects(
      mesh.client.call('ModelInfer', request),
      refused(
        Status.INVALID_ARGUMENT,
        /contents field must not be specified when using raw_input_contents for "x" for model "mlp"/,
      ),
    );
  });

  test('every refusal a client can reach names nothing internal; the server-side ones quote the request id', async () => {
    const call = (request: object): Promise<unknown> => mesh.client.call('ModelInfer', request, 30_000);
    await assert.rejects(
      call({ ...rawInferRequest('no-such-model', [x]), id: 'r1' }),
      // Triton's words, and nothing more: not the names of the models the caller did not ask for.
      refused(Status.NOT_FOUND, /^Request for unknown model: 'no-such-model' is not found$/),
    );
    await assert.rejects(
      call({ ...rawInferRequest('mlp', [x]), model_version: '9', id: 'r2' }),
      refused(Status.NOT_FOUND, /Request for unknown model: '[^']*' version 9 is not found/),
    );
    await assert.rejects(
      call({ ...rawInferRequest('ocr-rec', [ocrInput]), id: 'no-replica' }),
      refused(Status.UNAVAILABLE, /partition 1: no healthy replica is registered/, 'no-replica'),
    );
    await assert.rejects(
      call({ ...rawInferRequest('outer', [outerInput]), id: 'budget' }),
      refused(Status.RESOURCE_EXHAUSTED, /in-flight byte budget/, 'budget'),
    );
    // Without an id, the router makes one up and quotes it.
    await assert.rejects(call(rawInferRequest('ocr-rec', [ocrInput])), (error: GrpcError) => {
      assert.match(error.details, /\(request id "[0-9a-f-]{36}"\)$/);
      return true;
    });
    await assert.rejects(
      limited.call('ModelMetadata', { name: 'mlp', version: '' }),
      refused(Status.PERMISSION_DENIED, /metadata/),
    );
  });

  test('ModelStreamInfer answers each failing request in-stream as "CODE: message" and goes on to OK', async () => {
    const good = (id: string) => ({ ...rawInferRequest('mlp', [x]), id });
    const { answers, code, details } = await streamInfer(mesh.client, [
      good('g1'),
      { ...rawInferRequest('no-such-model', [x]), id: 'unknown' },
      { ...rawInferRequest('ocr-rec', [ocrInput]), id: 'no-replica' },
      { ...rawInferRequest('outer', [outerInput]), id: 'budget' },
      good('g2'),
    ]);
    assert.equal(Status[code], 'OK', details);
    const byId = new Map(answers.map((a) => [a.infer_response.id, a]));
    assert.equal(answers.length, 5);
    for (const id of ['g1', 'g2']) {
      assert.equal(byId.get(id)!.error_message, '');
      assert.equal(byId.get(id)!.infer_response.raw_output_contents.length, 1);
    }
    const expected: [string, RegExp][] = [
      ['unknown', /^NOT_FOUND: Request for unknown model: 'no-such-model' is not found/],
      ['no-replica', /^UNAVAILABLE: .*no healthy replica.*\(request id "no-replica"\)$/],
      ['budget', /^RESOURCE_EXHAUSTED: .*byte budget.*\(request id "budget"\)$/],
    ];
    for (const [id, pattern] of expected) {
      const answer = byId.get(id)!;
      assert.match(answer.error_message, pattern);
      assertNothingInternal(answer.error_message);
    }
  });

  test('ModelStreamInfer checks permission and quota per request, in-stream, and the stream goes on', async () => {
    const { answers, code, details } = await streamInfer(limited, [
      { ...rawInferRequest('mlp', [x]), id: 'first' },
      { ...rawInferRequest('ocr-rec', [ocrInput]), id: 'denied' },
      { ...rawInferRequest('mlp', [x]), id: 'second' },
      { ...rawInferRequest('mlp', [x]), id: 'over' },
    ]);
    assert.equal(Status[code], 'OK', details);
    const byId = new Map(answers.map((a) => [a.infer_response.id, a.error_message]));
    assert.equal(byId.get('first'), '');
    assert.equal(byId.get('second'), '');
    assert.match(byId.get('denied')!, /^PERMISSION_DENIED: .*infer.*ocr-rec/);
    assert.match(byId.get('over')!, /^RESOURCE_EXHAUSTED: .*quota/);
    for (const message of byId.values()) assertNothingInternal(message);
  });

  test('ModelStreamInfer stays open until the client half-closes; its deadline ends it with DEADLINE_EXCEEDED', async () => {
    const call = (
      mesh.client.raw as unknown as {
        ModelStreamInfer(
          metadata: Metadata,
          options: { deadline: number },
        ): ClientDuplexStream<object, StreamAnswer>;
      }
    ).ModelStreamInfer(new Metadata(), { deadline: Date.now() + 2_000 });
    const answers: StreamAnswer[] = [];
    call.on('data', (answer: StreamAnswer) => answers.push(answer));
    call.on('error', () => undefined);
    const status = new Promise<{ code: Status }>((resolve) => call.on('status', resolve));
    call.write({ ...rawInferRequest('mlp', [x]), id: 'before-deadline' });
    const { code } = await status;
    assert.equal(Status[code], 'DEADLINE_EXCEEDED');
    assert.deepEqual(
      answers.map((a) => [a.infer_response.id, a.error_message]),
      [['before-deadline', '']],
    );
  });

  test('a shard killed outright: UNAVAILABLE, quoting the request id, never its address or instance', async () => {
    const shard = mesh.shards.get('shard-1')!;
    shard.process.kill('SIGKILL');
    await shard.exited;
    await assert.rejects(
      mesh.client.call('ModelInfer', { ...rawInferRequest('mlp', [x]), id: 'killed' }, 30_000),
      (error: GrpcError) => {
        assert.ok(shard.instanceId && !error.details.includes(shard.instanceId), error.details);
        return refused(
          Status.UNAVAILABLE,
          /model "mlp" version 1: stage "[^"]+" partition 1: /,
          'killed',
        )(error);
      },
    );
  });
});
