import { status as Status, type ClientDuplexStream, type ServiceError as GrpcError } from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { storeTlsFiles } from '../certs/store.js';
import { startChildService } from '../cli/child-service.js';
import type { PreparedRepository } from '../partition/models/demo-models.js';
import { randomTensor } from '../partition/models/synthetic.js';
import { relativeMaxError, runModel } from '../partition/verify/verify.js';
import { InferenceClient } from '../cli/inference-client.js';
import { openRegistry } from '../registry/open-registry.js';
import type { Registration, ShardInstance } from '../registry/registry.js';
import { rawInferRequest } from './harness/compare.js';
import { LogLines } from './harness/log-lines.js';
import {
  makeCertificates,
  prepareTestModels,
  startMesh,
  TEST_MODELS_DIR,
  type Mesh,
} from './harness/mesh.js';
import { runTool, toolPath } from './harness/tools.js';
import { tritonInfer } from './harness/triton-infer.js';

interface StreamResponse {
  error_message: string;
  infer_response: { id: string; raw_output_contents: Buffer[] } | null;
}

/**
 * Third-party clients, unchanged, against the router: grpcurl (reflection) and tritonclient; and
 * the readiness they read. shard-1 serves only `mlp`'s partition 1, so `mlp` is ready while
 * `outer` (whose partition 1 nobody serves) is not.
 */
describe('third-party Open Inference Protocol clients', () => {
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
    work = await mkdtemp(path.join(tmpdir(), 'shardmesh-clients-'));
    mesh = await startMesh({
      registryUrl: `embedded:${path.join(work, 'registry')}`,
      certsDir: certs.dir,
      shards: [
        { name: 'shard-0', serve: ['*/*/*/0'] },
        { name: 'shard-1', serve: ['mlp/*/*/1'] },
      ],
    });
    await mesh.waitForModel('mlp');
  });

  const modelReady = (client: InferenceClient, name: string) =>
    client.call<{ ready: boolean }>('ModelReady', { name, version: '' }).then((r) => r.ready);
  const serverReady = (client: InferenceClient) =>
    client.call<{ ready: boolean }>('ServerReady', {}).then((r) => r.ready);

  test('ModelReady: true when every partition has a replica, false when one has none', async () => {
    assert.equal(await modelReady(mesh.client, 'mlp'), true);
    assert.equal(await modelReady(mesh.client, 'outer'), false);
    assert.equal(await modelReady(mesh.client, 'ocr-rec'), false);
    await assert.rejects(
      modelReady(mesh.client, 'no-such-model'),
      (error: GrpcError) => error.code === Status.NOT_FOUND,
    );
  });

  test('ServerReady: false until some model has a replica for every partition, and again once it loses one', async () => {
    // A second router over its own registry folder, where the test places mlp's two shards' records.
    const registry = `embedded:${path.join(work, 'registry-2')}`;
    const router = await startChildService(
      'router-2',
      [
        'router',
        '--registry',
        registry,
        '--models',
        TEST_MODELS_DIR,
        '--certs',
        certs.dir,
        '--port',
        '0',
        '--metrics-port',
        '0',
        '--dev-policy',
      ],
      { logs: 'pipe', env: { ...process.env, SHARDMESH_LOG_LEVEL: 'info' } },
    );
    const log = new LogLines(router.process.stderr!);
    const client = await InferenceClient.connect(
      `127.0.0.1:${router.port}`,
      storeTlsFiles(certs.dir, 'client'),
    );
    const registrations: Registration[] = [];
    try {
      // Each change is awaited as the router's next table, started before the change is made.
      const tableOf = (n: number) =>
        log.next((l) => l.msg === 'routing table updated' && l['instances'] === n);
      await log.waitFor((l) => l.msg === 'routing table updated' && l['instances'] === 0);
      assert.equal((await client.call<{ live: boolean }>('ServerLive', {})).live, true);
      assert.equal(await serverReady(client), false, 'no shard is registered');
      const [p0, p1] = await mlpRecords(`embedded:${path.join(work, 'registry')}`);
      const second = openRegistry(registry);
      let table = tableOf(1);
      registrations.push(await second.register(p0!));
      await table;
      assert.equal(await serverReady(client), false, 'mlp lacks partition 1');
      assert.equal(await modelReady(client, 'mlp'), false);
      table = tableOf(2);
      registrations.push(await second.register(p1!));
      await table;
      assert.equal(await serverReady(client), true);
      assert.equal(await modelReady(client, 'mlp'), true);
      table = tableOf(1);
      await registrations.shift()!.deregister();
      await table;
      assert.equal(await serverReady(client), false, 'mlp lost partition 0');
    } finally {
      client.close();
      await Promise.all(registrations.map((r) => r.deregister()));
      await router.stop(5_000);
    }
  });

  after(async () => {
    await mesh?.stop();
    await certs?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const grpcurl = (...args: string[]) => {
    const tls = storeTlsFiles(certs.dir, 'client');
    return runTool(toolPath('bin/grpcurl'), [
      '-cacert',
      tls.caFile,
      '-cert',
      tls.certFile,
      '-key',
      tls.keyFile,
      ...args,
    ]);
  };

  test('grpcurl lists the services through reflection', async () => {
    const result = await grpcurl(mesh.address, 'list');
    assert.equal(result.code, 0, result.stderr);
    const services = result.stdout.trim().split('\n');
    assert.ok(services.includes('inference.GRPCInferenceService'), result.stdout);
    assert.ok(services.includes('grpc.health.v1.Health'), result.stdout);
  });

  test('grpcurl reads ModelMetadata', async () => {
    const result = await grpcurl(
      '-d',
      '{"name":"mlp"}',
      mesh.address,
      'inference.GRPCInferenceService/ModelMetadata',
    );
    assert.equal(result.code, 0, result.stderr);
    const metadata = JSON.parse(result.stdout) as {
      name: string;
      versions: string[];
      inputs: { name: string; datatype: string; shape: string[] }[];
    };
    assert.equal(metadata.name, 'mlp');
    assert.deepEqual(metadata.versions, ['1']);
    assert.deepEqual(metadata.inputs, [{ name: 'x', datatype: 'FP32', shape: ['-1', '8'] }]);
  });

  test("grpcurl runs ModelInfer with JSON contents and gets the unsplit model's answer, in raw contents", async () => {
    const x = randomTensor('x', [1, 8], 21);
    const values = Array.from(new Float32Array(Uint8Array.from(x.data).buffer));
    const request = {
      model_name: 'mlp',
      inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 8], contents: { fp32_contents: values } }],
    };
    const result = await grpcurl(
      '-d',
      JSON.stringify(request),
      mesh.address,
      'inference.GRPCInferenceService/ModelInfer',
    );
    assert.equal(result.code, 0, result.stderr);
    // Typed inputs, raw outputs, as Triton answers (grpc_service.proto): grpcurl shows base64.
    const response = JSON.parse(result.stdout) as {
      outputs: { name: string; shape: string[]; contents?: unknown }[];
      raw_output_contents: string[];
    };
    const [expected] = await runModel(models.models.mlp.original, [x]);
    const output = response.outputs[0]!;
    assert.equal(output.name, 'y');
    assert.deepEqual(output.shape, ['1', '32']);
    assert.equal(output.contents, undefined);
    assert.equal(response.raw_output_contents.length, 1);
    const actual = { ...expected!, data: Buffer.from(response.raw_output_contents[0]!, 'base64') };
    assert.ok(relativeMaxError(actual, expected!) <= 1e-5);
  });

  test('tritonclient.grpc: server live and ready, model ready, model metadata, and a numpy inference that matches', async () => {
    const x = randomTensor('x', [3, 8], 8);
    const said = await tritonInfer(mesh.address, certs.dir, 'mlp', x, work);
    assert.deepEqual([said.live, said.ready, said.model_ready], [true, true, true]);
    assert.equal(said.metadata.name, 'mlp');
    assert.deepEqual(said.output_shape, [3, 32]);
    const [expected] = await runModel(models.models.mlp.original, [x]);
    const actual = { ...expected!, data: said.output };
    assert.ok(relativeMaxError(actual, expected!) <= 1e-5);
  });

  test('ModelStreamInfer answers each request on the stream, a bad one with error_message, and carries on', async () => {
    const x = randomTensor('x', [1, 8], 2);
    const stream = (
      mesh.client.raw as unknown as { ModelStreamInfer(): ClientDuplexStream<object, StreamResponse> }
    ).ModelStreamInfer();
    const answers: StreamResponse[] = [];
    const done = new Promise<void>((resolve, reject) => {
      stream.on('data', (m: StreamResponse) => answers.push(m));
      stream.on('end', resolve);
      stream.on('error', reject);
    });
    stream.write({ ...rawInferRequest('mlp', [x]), id: 'good' });
    stream.write({ ...rawInferRequest('mlp', [{ ...x, shape: [1, 7] }]), id: 'bad' });
    stream.end();
    await done;
    const byId = new Map(answers.map((a) => [a.infer_response?.id, a]));
    assert.equal(byId.get('good')?.error_message, '');
    assert.equal(byId.get('good')?.infer_response?.raw_output_contents[0]?.length, 32 * 4);
    assert.match(byId.get('bad')?.error_message ?? '', /INVALID_ARGUMENT: input "x": shape \[1,7\]/);
  });
});

/** `mlp`'s partition 0 and partition 1 records, as the mesh's shards registered them. */
function mlpRecords(url: string): Promise<ShardInstance[]> {
  return new Promise((resolve) => {
    const watch = openRegistry(url).watch((instances) => {
      const mlp = instances.filter((i) => i.model === 'mlp').sort((a, b) => a.partition - b.partition);
      if (mlp.length !== 2) return;
      watch.close();
      resolve(mlp);
    });
  });
}
