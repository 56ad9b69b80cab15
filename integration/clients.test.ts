import type { ClientDuplexStream } from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { storeTlsFiles } from '../certs/store.js';
import { PACKAGE_ROOT } from '../cli/paths.js';
import type { PreparedRepository } from '../partition/models/demo-models.js';
import { randomTensor } from '../partition/models/synthetic.js';
import { relativeMaxError, runModel } from '../partition/verify/verify.js';
import { rawInferRequest } from './harness/compare.js';
import { makeCertificates, prepareTestModels, startMesh, type Mesh } from './harness/mesh.js';
import { runTool, toolPath } from './harness/tools.js';

interface StreamResponse {
  error_message: string;
  infer_response: { id: string; raw_output_contents: Buffer[] } | null;
}

/** Third-party clients, unchanged, against the router: grpcurl (reflection) and tritonclient. */
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
        { name: 'shard-1', serve: ['*/*/*/1'] },
      ],
    });
    await mesh.waitForModel('mlp');
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

  test("grpcurl runs ModelInfer with JSON contents and gets the unsplit model's answer", async () => {
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
    const response = JSON.parse(result.stdout) as {
      outputs: { name: string; shape: string[]; contents: { fp32_contents: number[] } }[];
    };
    const [expected] = await runModel(models.models.mlp.original, [x]);
    const output = response.outputs[0]!;
    assert.equal(output.name, 'y');
    assert.deepEqual(output.shape, ['1', '32']);
    const actual = {
      ...expected!,
      data: Buffer.from(new Float32Array(output.contents.fp32_contents).buffer),
    };
    assert.ok(relativeMaxError(actual, expected!) <= 1e-5);
  });

  test('tritonclient.grpc: server ready, model metadata, and a numpy inference that matches', async () => {
    const x = randomTensor('x', [3, 8], 8);
    const input = path.join(work, 'x.raw');
    const output = path.join(work, 'y.raw');
    await writeFile(input, x.data);
    const result = await runTool(
      toolPath('venv/bin/python'),
      [
        path.join(PACKAGE_ROOT, 'integration', 'clients', 'triton_check.py'),
        mesh.address,
        certs.dir,
        'mlp',
        'x',
        '3,8',
        input,
        output,
      ],
      120_000,
    );
    assert.equal(result.code, 0, result.stderr);
    const said = JSON.parse(result.stdout) as {
      live: boolean;
      ready: boolean;
      model_ready: boolean;
      metadata: { name: string; outputs: { name: string }[] };
      output_shape: number[];
    };
    assert.deepEqual([said.live, said.ready, said.model_ready], [true, true, true]);
    assert.equal(said.metadata.name, 'mlp');
    assert.deepEqual(said.output_shape, [3, 32]);
    const [expected] = await runModel(models.models.mlp.original, [x]);
    const actual = { ...expected!, data: await readFile(output) };
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
