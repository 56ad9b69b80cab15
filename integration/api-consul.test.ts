import { status as Status, type ServiceError as GrpcError } from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Tensor } from '../lib/tensor/tensor.js';
import { prepareSyntheticMlp, type PreparedModel } from '../partition/models/demo-models.js';
import { randomTensor } from '../partition/models/synthetic.js';
import { relativeMaxError, runModel } from '../partition/verify/verify.js';
import { rawInferRequest, type InferResponse } from './harness/compare.js';
import { startConsulAgent, type ConsulAgent } from './harness/consul-agent.js';
import {
  makeCertificates,
  prepareTestModels,
  startMesh,
  TEST_MODELS_DIR,
  type Mesh,
} from './harness/mesh.js';

interface Duration {
  count: number;
  ns: number;
}
interface Statistics {
  name: string;
  version: string;
  last_inference: number;
  inference_count: number;
  execution_count: number;
  inference_stats: {
    success: Duration;
    fail: Duration;
    queue: Duration;
    compute_input: Duration;
    compute_infer: Duration;
    compute_output: Duration;
  };
}
interface TensorConfig {
  name: string;
  data_type: string;
  dims: number[];
}

/**
 * The Open Inference Protocol's model and repository calls, over grpc-js, against a router and a
 * shard registered in a real Consul agent. The repository holds `mlp` at two versions (different
 * weights, so an answer tells which ran; version 2 declares a batch dim of at most 16) and `outer`,
 * which no shard serves.
 */
describe('model and repository API through Consul', () => {
  let consul: ConsulAgent;
  let certs: Awaited<ReturnType<typeof makeCertificates>>;
  let work: string;
  let mesh: Mesh;
  let v1: PreparedModel;
  let v2: PreparedModel;

  before(async () => {
    v1 = (await prepareTestModels()).models.mlp;
    work = await mkdtemp(path.join(tmpdir(), 'shardmesh-api-'));
    const models = path.join(work, 'models');
    await cp(path.join(TEST_MODELS_DIR, 'mlp', '1'), path.join(models, 'mlp', '1'), { recursive: true });
    await cp(path.join(TEST_MODELS_DIR, 'outer'), path.join(models, 'outer'), { recursive: true });
    v2 = await prepareSyntheticMlp(models, {
      name: 'mlp',
      version: '2',
      inputDim: 8,
      hiddenDim: 64,
      outputDim: 32,
      seed: 99,
    });
    // Version 2 declares a batch dim, as a Triton model with max_batch_size 16 would.
    const plan2 = path.join(models, 'mlp', '2', 'plan.json');
    await writeFile(
      plan2,
      JSON.stringify({ ...(JSON.parse(await readFile(plan2, 'utf8')) as object), maxBatchSize: 16 }),
    );
    consul = await startConsulAgent();
    certs = await makeCertificates([
      ['router', 'router'],
      ['client', 'client'],
      ['shard', 'shard-a'],
    ]);
    mesh = await startMesh({
      registryUrl: consul.url,
      certsDir: certs.dir,
      modelsDir: models,
      shards: [{ name: 'shard-a', serve: ['mlp/1/*/*', 'mlp/2/*/*'] }],
    });
    await mesh.waitForModel('mlp');
    // waitForModel asks about the newest version; version 1 has its own replicas.
    for (const until = Date.now() + 30_000; ;) {
      const { ready } = await mesh.client.call<{ ready: boolean }>('ModelReady', {
        name: 'mlp',
        version: '1',
      });
      if (ready) break;
      assert.ok(Date.now() < until, 'mlp version 1 became ready within 30 s');
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  after(async () => {
    await mesh?.stop();
    await consul?.stop();
    await certs?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const infer = (version: string, x: Tensor, id = '') =>
    mesh.client.call<InferResponse & { model_version: string }>('ModelInfer', {
      ...rawInferRequest('mlp', [x]),
      model_version: version,
      id,
    });
  const close = (data: Buffer, expected: Tensor): boolean =>
    relativeMaxError({ ...expected, data }, expected) <= 1e-5;
  const statistics = async (name: string, version: string): Promise<Statistics[]> =>
    (await mesh.client.call<{ model_stats: Statistics[] }>('ModelStatistics', { name, version })).model_stats;

  test('versions: an explicit version runs that version, an empty one the newest, an unknown one is NOT_FOUND', async () => {
    const x = randomTensor('x', [2, 8], 3);
    const [y1] = await runModel(v1.original, [x]);
    const [y2] = await runModel(v2.original, [x]);
    assert.ok(!close(y1!.data, y2!), 'the two versions must differ for this test to tell them apart');
    const one = await infer('1', x);
    assert.equal(one.model_version, '1');
    assert.ok(close(one.raw_output_contents[0]!, y1!), 'version 1 answered as version 1');
    const two = await infer('2', x);
    assert.equal(two.model_version, '2');
    assert.ok(close(two.raw_output_contents[0]!, y2!), 'version 2 answered as version 2');
    const newest = await infer('', x);
    assert.equal(newest.model_version, '2');
    assert.ok(close(newest.raw_output_contents[0]!, y2!), 'an empty version runs the newest');
    for (const call of [
      () => infer('3', x),
      () => mesh.client.call('ModelReady', { name: 'mlp', version: '3' }),
      () => mesh.client.call('ModelConfig', { name: 'mlp', version: '3' }),
    ])
      await assert.rejects(
        call(),
        (error: GrpcError) =>
          error.code === Status.NOT_FOUND &&
          /^Request for unknown model: 'mlp' version 3 is not found \(versions: 1, 2\)/.test(error.details),
      );
  });

  test('ModelConfig: Triton-shaped config of the requested version', async () => {
    const { config } = await mesh.client.call<{
      config: {
        name: string;
        platform: string;
        backend: string;
        max_batch_size: number;
        input: TensorConfig[];
        output: TensorConfig[];
      };
    }>('ModelConfig', { name: 'mlp', version: '1' });
    const io = (t: TensorConfig) => ({ name: t.name, data_type: t.data_type, dims: t.dims });
    assert.deepEqual(
      {
        ...config,
        input: config.input.map(io),
        output: config.output.map(io),
      },
      {
        ...config,
        name: 'mlp',
        platform: 'onnxruntime_onnx',
        backend: 'onnxruntime',
        // The plan declares no batch dim (max_batch_size 0), so dims are the full shapes.
        max_batch_size: 0,
        input: [{ name: 'x', data_type: 'TYPE_FP32', dims: [-1, 8] }],
        output: [{ name: 'y', data_type: 'TYPE_FP32', dims: [-1, 32] }],
      },
    );
    const batched = await mesh.client.call<{
      config: { max_batch_size: number; input: TensorConfig[]; output: TensorConfig[] };
    }>('ModelConfig', { name: 'mlp', version: '2' });
    // With max_batch_size > 0, Triton's dims leave the batch dim out.
    assert.deepEqual(
      [batched.config.max_batch_size, batched.config.input[0]!.dims, batched.config.output[0]!.dims],
      [16, [8], [32]],
    );
    await assert.rejects(
      mesh.client.call('ModelConfig', { name: 'no-such-model', version: '' }),
      (error: GrpcError) => error.code === Status.NOT_FOUND,
    );
  });

  test('ModelStatistics: successes and failures of one version count there, and only there; batch elements count', async () => {
    const [before1, before2] = await statistics('mlp', '');
    assert.deepEqual(
      [before1!.version, before2!.version],
      ['1', '2'],
      'an empty version lists every version',
    );
    const startedMs = Date.now();
    const x = randomTensor('x', [1, 8], 4);
    await infer('1', x);
    await infer('1', x);
    await assert.rejects(
      infer('1', { ...x, shape: [1, 7] }),
      (e: GrpcError) => e.code === Status.INVALID_ARGUMENT,
    );
    const [after1] = await statistics('mlp', '1');
    const [after2] = await statistics('mlp', '2');
    const s = (x: Statistics) => x.inference_stats;
    assert.equal(after1!.inference_count - before1!.inference_count, 2);
    assert.equal(after1!.execution_count - before1!.execution_count, 2);
    assert.equal(s(after1!).success.count - s(before1!).success.count, 2);
    assert.equal(s(after1!).fail.count - s(before1!).fail.count, 1);
    assert.ok(s(after1!).success.ns > s(before1!).success.ns, 'success time grew');
    assert.ok(s(after1!).fail.ns > s(before1!).fail.ns, 'failure time grew');
    // Each success counts once in every phase (what perf_analyzer reads to find the version and
    // to break down server time); the phases add up to no more than the requests took.
    const phases = ['queue', 'compute_input', 'compute_infer', 'compute_output'] as const;
    for (const phase of phases) assert.equal(s(after1!)[phase].count - s(before1!)[phase].count, 2, phase);
    assert.ok(s(after1!).compute_infer.ns > s(before1!).compute_infer.ns, 'the shards ran');
    const phaseNs = (x: Statistics): number => phases.reduce((sum, p) => sum + Number(s(x)[p].ns), 0);
    assert.ok(
      phaseNs(after1!) - phaseNs(before1!) <= s(after1!).success.ns - s(before1!).success.ns,
      'phases within the requests’ time',
    );
    assert.ok(
      after1!.last_inference >= startedMs,
      `last_inference ${after1!.last_inference} >= ${startedMs}`,
    );
    assert.deepEqual(after2, before2, 'version 2 is untouched');
    // Version 2 has a batch dim: inference_count counts its batch elements, execution_count requests.
    await infer('2', randomTensor('x', [3, 8], 6));
    const [later2] = await statistics('mlp', '2');
    assert.equal(later2!.inference_count - before2!.inference_count, 3);
    assert.equal(later2!.execution_count - before2!.execution_count, 1);
    const all = await statistics('', '');
    assert.deepEqual(all.map((m) => `${m.name}/${m.version}`).sort(), ['mlp/1', 'mlp/2', 'outer/1']);
    assert.equal(all.find((m) => m.name === 'outer')!.inference_count, 0);
  });

  test('RepositoryIndex: every model version with its state; ready=true lists the ready ones', async () => {
    const index = async (ready: boolean) =>
      (
        await mesh.client.call<{
          models: { name: string; version: string; state: string; reason: string }[];
        }>('RepositoryIndex', { repository_name: '', ready })
      ).models.sort((a, b) => `${a.name}/${a.version}`.localeCompare(`${b.name}/${b.version}`));
    assert.deepEqual(await index(false), [
      { name: 'mlp', version: '1', state: 'READY', reason: '' },
      { name: 'mlp', version: '2', state: 'READY', reason: '' },
      // No shard serves outer: it has never been ready since it was published, so it is LOADING.
      {
        name: 'outer',
        version: '1',
        state: 'LOADING',
        reason: 'waiting for a replica of stage "columns-0" partition 0',
      },
    ]);
    assert.deepEqual(
      (await index(true)).map((m) => `${m.name}/${m.version}`),
      ['mlp/1', 'mlp/2'],
    );
  });
});
