import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Tensor } from '../lib/tensor/tensor.js';
import type { PreparedRepository } from '../partition/models/demo-models.js';
import { randomTensor } from '../partition/models/synthetic.js';
import { relativeMaxError, runModel } from '../partition/verify/verify.js';
import { rawInferRequest, type InferResponse } from './harness/compare.js';
import { startConsulAgent, type ConsulAgent } from './harness/consul-agent.js';
import { makeCertificates, prepareTestModels, startMesh, type Mesh } from './harness/mesh.js';

interface ConsulEntry {
  Service: { ID: string; Port: number };
  Checks: { ServiceID: string; Status: string }[];
}

/** Replicas of a partition in Consul: losing one, abruptly or gracefully, loses no request. */
describe('replicas registered in a real Consul agent', () => {
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
      ...['a', 'b', 'c', 'd', 'e'].map((n) => ['shard', `shard-${n}`] as const),
    ]);
    mesh = await startMesh({
      registryUrl: consul.url,
      certsDir: certs.dir,
      shards: [
        { name: 'shard-a', serve: ['mlp/1/*/0'] },
        { name: 'shard-b', serve: ['mlp/1/*/1'] },
        { name: 'shard-c', serve: ['mlp/1/*/1'] },
        { name: 'shard-d', serve: ['outer/1/*/*'] },
        { name: 'shard-e', serve: ['outer/1/*/*'] },
      ],
    });
    await mesh.waitForModel('mlp');
    await mesh.waitForModel('outer');
  });

  after(async () => {
    await mesh?.stop();
    await consul?.stop();
    await certs?.cleanup();
  });

  const entries = async (): Promise<ConsulEntry[]> =>
    (await (
      await fetch(`http://${consul.host}:${consul.httpPort}/v1/health/service/shardmesh-shard`)
    ).json()) as ConsulEntry[];

  const pollUntil = async (
    what: string,
    check: () => Promise<boolean>,
    timeoutMs = 20_000,
  ): Promise<void> => {
    const until = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > until) assert.fail(`${what} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  test('SIGKILL of one of two replicas: requests keep succeeding, and Consul marks it critical', async () => {
    const x = randomTensor('x', [2, 8], 9);
    const [expected] = await runModel(models.models.mlp.original, [x]);
    const killed = mesh.shards.get('shard-c')!;
    // 20 requests with both replicas, the kill, then 200 more: every one must succeed, through the
    // survivor or, for calls already on their way to the killed one, by a retry on the survivor.
    for (let i = 0; i < 220; i++) {
      if (i === 20) killed.process.kill('SIGKILL');
      const response = await mesh.client.call<InferResponse>('ModelInfer', rawInferRequest('mlp', [x]));
      assert.ok(
        relativeMaxError({ ...expected!, data: response.raw_output_contents[0]! }, expected!) <= 1e-5,
      );
    }
    assert.equal(await killed.exited, 'SIGKILL');
    await pollUntil('the killed replica turns critical in Consul', async () =>
      (await entries()).some(
        (e) =>
          e.Service.Port === killed.port &&
          e.Checks.some((c) => c.ServiceID === e.Service.ID && c.Status === 'critical'),
      ),
    );
    const passing = (await entries())
      .filter((e) => e.Checks.every((c) => c.Status === 'passing'))
      .map((e) => e.Service.Port);
    assert.ok(passing.includes(mesh.shards.get('shard-b')!.port));
    assert.ok(!passing.includes(killed.port));
  });

  test('SIGTERM of a shard: its in-flight requests complete and it is deregistered', async () => {
    const a = randomTensor('a', [4096, 1], 4);
    const [expected] = await runModel(models.models.outer.original, [a]);
    const draining = mesh.shards.get('shard-d')!;
    const requests = Array.from({ length: 4 }, () =>
      mesh.client.call<InferResponse>('ModelInfer', rawInferRequest('outer', [a]), 60_000),
    );
    // Let the requests reach both replicas before the signal.
    await new Promise((r) => setTimeout(r, 300));
    draining.process.kill('SIGTERM');
    const responses = await Promise.all(requests);
    for (const response of responses) assert.ok(response.raw_output_contents[0]!.equals(expected!.data));
    assert.equal(await draining.exited, 0);
    const ports = (await entries()).map((e) => e.Service.Port);
    assert.ok(!ports.includes(draining.port), 'the drained shard is gone from Consul');
    assert.ok(ports.includes(mesh.shards.get('shard-e')!.port));
    const after: Tensor = {
      ...expected!,
      data: (await mesh.client.call<InferResponse>('ModelInfer', rawInferRequest('outer', [a]), 60_000))
        .raw_output_contents[0]!,
    };
    assert.ok(after.data.equals(expected!.data), 'the remaining replica serves the model alone');
  });

  test('when Consul goes away, the router keeps routing from its last table', async () => {
    await consul.stop();
    const x = randomTensor('x', [1, 8], 12);
    const [expected] = await runModel(models.models.mlp.original, [x]);
    const response = await mesh.client.call<InferResponse>('ModelInfer', rawInferRequest('mlp', [x]));
    assert.ok(relativeMaxError({ ...expected!, data: response.raw_output_contents[0]! }, expected!) <= 1e-5);
  });
});
