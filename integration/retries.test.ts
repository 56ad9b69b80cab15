import { status as Status, type ServiceError as GrpcError } from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { storeTlsFiles } from '../certs/store.js';
import { startChildService, type ChildService } from '../cli/child-service.js';
import { InferenceClient } from '../cli/inference-client.js';
import type { PreparedRepository } from '../partition/models/demo-models.js';
import { randomTensor } from '../partition/models/synthetic.js';
import { relativeMaxError, runModel } from '../partition/verify/verify.js';
import { openRegistry } from '../registry/open-registry.js';
import type { Registration, ShardInstance } from '../registry/registry.js';
import { rawInferRequest, type InferResponse } from './harness/compare.js';
import { startCuttingProxy, type CuttingProxy } from './harness/cutting-proxy.js';
import { LogLines, type LogLine } from './harness/log-lines.js';
import { makeCertificates, prepareTestModels, TEST_MODELS_DIR } from './harness/mesh.js';

/**
 * Which shard failures the router retries, observed from outside: a replica that dies in the
 * middle of a `sum` partition's response stream is retried on the other replica without its bytes
 * being counted, one that dies in the middle of a `concat` partition whose answer is already
 * streaming to the client is retried and the answer is exact, and a deterministic INTERNAL is
 * answered after one attempt, not retried.
 *
 * Layout (embedded registry): `mlp` partition 0 on shard-0; partition 1 on shard-1 and on shard-2,
 * which the router reaches only through a proxy that cuts one response stream. shard-2 registers
 * in a folder the router does not watch; the test registers the proxy under shard-2's identity, so
 * the router's view is two replicas of partition 1. `outer` (64 MiB answers) is laid out as `mlp`. `half` (one partition, two replicas: shard-0
 * and shard-1) is the same model in the shards' repository, but the router's copy of its plan
 * names the output differently, so every replica's answer contradicts the router's plan.
 */
describe('router retries, end to end', () => {
  let models: PreparedRepository;
  let certs: Awaited<ReturnType<typeof makeCertificates>>;
  let work: string;
  let router: ChildService;
  let routerLog: LogLines;
  const shards: ChildService[] = [];
  let proxy: CuttingProxy;
  let proxied: Registration[];
  let client: InferenceClient;

  before(async () => {
    models = await prepareTestModels();
    certs = await makeCertificates([
      ['router', 'router'],
      ['client', 'client'],
      ['shard', 'shard-0'],
      ['shard', 'shard-1'],
      ['shard', 'shard-2'],
    ]);
    work = await mkdtemp(path.join(tmpdir(), 'shardmesh-retries-'));
    const registry = `embedded:${path.join(work, 'registry')}`;
    const hidden = `embedded:${path.join(work, 'hidden')}`;
    const shardModels = path.join(work, 'shard-models');
    const routerModels = path.join(work, 'router-models');
    await writeRepositories(shardModels, routerModels);

    const env = { ...process.env, SHARDMESH_LOG_LEVEL: 'info' };
    const start = async (name: string, args: string[]): Promise<ChildService> => {
      const child = await startChildService(name, args, { logs: 'pipe', env });
      const lines = new LogLines(child.process.stderr!);
      if (name === 'router') routerLog = lines;
      return child;
    };
    const common = (registryUrl: string, dir: string) =>
      ['--registry', registryUrl, '--models', dir, '--certs', certs.dir] as const;
    router = await start('router', [
      'router',
      ...common(registry, routerModels),
      '--port',
      '0',
      '--metrics-port',
      '0',
      '--dev-policy',
    ]);
    const shard = (name: string, registryUrl: string, ...serve: string[]) =>
      start(name, [
        'shard',
        ...common(registryUrl, shardModels),
        '--name',
        name,
        ...serve.flatMap((s) => ['--serve', s]),
      ]);
    shards.push(
      ...(await Promise.all([
        shard('shard-0', registry, 'mlp/1/*/0', 'half/1/*/0', 'outer/1/*/0'),
        shard('shard-1', registry, 'mlp/1/*/1', 'half/1/*/0', 'outer/1/*/1'),
        shard('shard-2', hidden, 'mlp/1/*/1', 'outer/1/*/1'),
      ])),
    );

    const shard2 = await instancesOf(hidden, 2);
    proxy = await startCuttingProxy(shard2[0]!.port);
    const registryClient = openRegistry(registry);
    proxied = await Promise.all(
      shard2.map((instance) =>
        registryClient.register({ ...instance, id: `proxied-shard-2-${instance.model}`, port: proxy.port }),
      ),
    );
    // shard-0 and shard-1 register three partitions each, plus the two proxied replicas.
    await routerLog.waitFor((l) => l.msg === 'routing table updated' && l['instances'] === 8, 60_000);
    client = await InferenceClient.connect(`127.0.0.1:${router.port}`, storeTlsFiles(certs.dir, 'client'));
  });

  after(async () => {
    client?.close();
    await Promise.all((proxied ?? []).map((r) => r.deregister()));
    await Promise.all(shards.map((s) => s.stop(5_000)));
    await router?.stop(5_000);
    await proxy?.close();
    await certs?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('a sum partition cut mid-stream is retried on the other replica and its bytes are not counted', async () => {
    // y is 32768 x 32 FP32 = 4 MiB: four 1 MiB chunks; the proxy cuts after 1.5 MiB of response.
    const x = randomTensor('x', [32768, 8], 31);
    const [expected] = await runModel(models.models.mlp.original, [x]);
    proxy.arm(1.5 * (1 << 20));
    const ids: string[] = [];
    // Partition 1 alternates between its two replicas, so the proxied one is tried within two.
    for (let i = 0; i < 4 && proxy.cuts === 0; i++) {
      const id = `cut-${i}`;
      ids.push(id);
      const response = await client.call<InferResponse>(
        'ModelInfer',
        { ...rawInferRequest('mlp', [x]), id },
        60_000,
      );
      const actual = { ...expected!, data: response.raw_output_contents[0]! };
      assert.ok(
        relativeMaxError(actual, expected!) <= 1e-5,
        `${id}: the answer differs from the unsplit model`,
      );
    }
    assert.equal(proxy.cuts, 1, 'the proxied replica was tried and cut');
    const cut = ids.at(-1)!;
    const failed = await routerLog.waitFor(
      (l) => l.requestId === cut && l.msg === 'partition attempt failed; retrying',
    );
    assert.equal(failed['replica'], 'proxied-shard-2-mlp');
    assert.equal(failed['partition'], 1);
    assert.equal(failed['code'], 'UNAVAILABLE');
    // At least one whole 1 MiB chunk of the failed attempt had reached the gather.
    assert.ok((failed['receivedBytes'] as number) >= 1 << 20, `receivedBytes ${failed['receivedBytes']}`);
  });

  test('a concat answer leaves while its shards still send it; a partition cut mid-stream is retried and the answer is exact', async () => {
    // outer: a [4096, 1] input times a [1, 4096] row split by columns: 32 MiB per partition, a
    // 64 MiB answer, streamed; the proxy cuts partition 1 after 8 MiB, once the client has had part.
    const a = randomTensor('a', [4096, 1], 41);
    const [expected] = await runModel(models.models.outer.original, [a]);
    const streamedBefore = await streamedAnswers(router.metricsPort!);
    const cutsBefore = proxy.cuts;
    proxy.arm(8 * (1 << 20));
    const ids: string[] = [];
    for (let i = 0; i < 4 && proxy.cuts === cutsBefore; i++) {
      const id = `outer-cut-${i}`;
      ids.push(id);
      const response = await client.call<InferResponse>(
        'ModelInfer',
        { ...rawInferRequest('outer', [a]), id },
        60_000,
      );
      assert.deepEqual(response.outputs[0]!.shape.map(Number), expected!.shape);
      assert.ok(
        response.raw_output_contents[0]!.equals(expected!.data),
        `${id}: the answer differs from the unsplit model`,
      );
    }
    assert.equal(proxy.cuts, cutsBefore + 1, 'the proxied replica was tried and cut');
    const failed = await routerLog.waitFor(
      (l) => l.requestId === ids.at(-1) && l.msg === 'partition attempt failed; retrying',
    );
    assert.equal(failed['replica'], 'proxied-shard-2-outer');
    assert.ok((failed['receivedBytes'] as number) >= 1 << 20, `receivedBytes ${failed['receivedBytes']}`);
    assert.equal(
      await streamedAnswers(router.metricsPort!),
      streamedBefore + ids.length,
      'every outer answer was streamed',
    );
  });

  test('a deterministic INTERNAL is answered after one attempt per request, never retried', async () => {
    const x = randomTensor('x', [1, 8], 5);
    for (const id of ['internal-0', 'internal-1', 'internal-2']) {
      await assert.rejects(
        client.call('ModelInfer', { ...rawInferRequest('half', [x]), id }),
        (error: GrpcError) =>
          error.code === Status.INTERNAL &&
          /the plan says \[y_renamed\]/.test(error.details) &&
          // The client gets the request id to quote; the shard's address and instance stay in the log.
          error.details.endsWith(`(request id "${id}")`) &&
          !/spiffe:|127\.0\.0\.1|shard-\d/.test(error.details),
      );
      // runInference logs this after the last attempt, and one process's lines arrive in order.
      await routerLog.waitFor((l) => l.requestId === id && l.msg === 'inference failed');
      const attempts = routerLog.where(
        (l: LogLine) => l.requestId === id && String(l.msg).startsWith('partition attempt failed'),
      );
      assert.deepEqual(
        attempts.map((l) => [l.msg, l['code']]),
        [['partition attempt failed; not retryable', 'INTERNAL']],
        id,
      );
    }
  });
});

/** The first instance a registry lists. */
function instancesOf(url: string, count: number): Promise<ShardInstance[]> {
  return new Promise((resolve) => {
    const watch = openRegistry(url).watch((instances) => {
      if (instances.length < count) return;
      watch.close();
      resolve([...instances]);
    });
  });
}

/** The router's count of streamed `outer` answers, from its /metrics. */
async function streamedAnswers(metricsPort: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const line = /^shardmesh_streamed_answers_total\{model="outer",version="1"\} (\d+)$/m.exec(text);
  return line ? Number(line[1]) : 0;
}

/**
 * Both repositories hold `mlp` and `half` (mlp's partition 0 alone, as a one-partition model);
 * the router's `half` plan calls the output `y_renamed`, which no shard returns.
 */
async function writeRepositories(shardModels: string, routerModels: string): Promise<void> {
  const mlpPlan = JSON.parse(await readFile(path.join(TEST_MODELS_DIR, 'mlp', '1', 'plan.json'), 'utf8')) as {
    inputs: object[];
    outputs: { name: string }[];
    stages: { name: string; partitions: { file: string }[]; inputs: object[] }[];
  };
  const [stage] = mlpPlan.stages;
  const half = (output: string): object => ({
    name: 'half',
    version: '1',
    inputs: mlpPlan.inputs,
    outputs: [{ ...mlpPlan.outputs[0], name: output }],
    stages: [
      {
        name: stage!.name,
        partitions: [stage!.partitions[0]],
        inputs: stage!.inputs,
        outputs: [{ name: output, gather: { kind: 'sum' } }],
      },
    ],
  });
  for (const [root, output] of [
    [shardModels, 'y'],
    [routerModels, 'y_renamed'],
  ] as const) {
    await cp(path.join(TEST_MODELS_DIR, 'mlp'), path.join(root, 'mlp'), { recursive: true });
    await cp(path.join(TEST_MODELS_DIR, 'outer'), path.join(root, 'outer'), { recursive: true });
    await mkdir(path.join(root, 'half', '1'), { recursive: true });
    await cp(
      path.join(TEST_MODELS_DIR, 'mlp', '1', stage!.partitions[0]!.file),
      path.join(root, 'half', '1', stage!.partitions[0]!.file),
    );
    await writeFile(path.join(root, 'half', '1', 'plan.json'), JSON.stringify(half(output), null, 2));
  }
}
