import { execFile } from 'node:child_process';
import assert from 'node:assert/strict';
import { readdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import type { ChildService } from '../cli/child-service.js';
import { InferenceClient } from '../cli/inference-client.js';
import { CLI_ENTRY } from '../cli/paths.js';
import { storeTlsFiles } from '../certs/store.js';
import { randomTensor } from '../partition/models/synthetic.js';
import { relativeMaxError, runModel } from '../partition/verify/verify.js';
import { ChildLogs } from './harness/child-logs.js';
import { rawInferRequest, type InferResponse } from './harness/compare.js';
import { ConsulCluster, getJson, pollUntil } from './harness/hosts/consul-cluster.js';
import { issueHostCertificates } from './harness/hosts/host-certificates.js';
import { ROUTER_PORT, startRouterOnHost, startShardOnHost } from './harness/hosts/host-services.js';
import { SimulatedNetwork } from './harness/hosts/simulated-network.js';
import { prepareTestModels, TEST_MODELS_DIR } from './harness/mesh.js';

/**
 * Two generic workers on each of two worker hosts: four workers, two Consul nodes. worker-1's have
 * more room, so by free bytes alone both replicas of a partition would go to worker-1.
 */
const WORKERS = [
  { name: 'gw-1a', host: 'worker-1', capacity: '2GiB' },
  { name: 'gw-1b', host: 'worker-1', capacity: '2GiB' },
  { name: 'gw-2a', host: 'worker-2', capacity: '1GiB' },
  { name: 'gw-2b', host: 'worker-2', capacity: '1GiB' },
] as const;

interface HealthEntry {
  Node: { Node: string };
  Service: { ID: string; Address: string; Meta: Record<string, string> };
}

/**
 * Placement across simulated hosts (network namespaces, a 3-server Consul cluster, a client agent
 * per host): generic workers with empty model folders, a router host with none, mlp published with
 * `--replicas 2`. The leader must put the two replicas of each partition on different hosts, though
 * worker-1's two workers have the most room. Needs root for `ip netns`.
 */
void describe('placement across simulated hosts', () => {
  let network: SimulatedNetwork;
  let consul: ConsulCluster;
  const children: ChildService[] = [];
  let client: InferenceClient | undefined;

  before(async () => {
    const models = await prepareTestModels();
    network = await SimulatedNetwork.create();
    const servers = [];
    for (let i = 1; i <= 3; i++) servers.push(await network.addHost(`consul-${i}`));
    const workerHosts = [await network.addHost('worker-1'), await network.addHost('worker-2')];
    const routerHost = await network.addHost('router');
    consul = await ConsulCluster.start({ servers, clients: [...workerHosts, routerHost] });
    const operator = path.join(network.dir, 'operator-certs');
    const host = (name: string) => network.hosts.get(name)!;
    await issueHostCertificates(operator, [
      { role: 'router', name: 'router', host: routerHost },
      { role: 'client', name: 'client' },
      ...WORKERS.map((w) => ({ role: 'shard' as const, name: w.name, host: host(w.host) })),
    ]);
    for (const w of WORKERS) {
      const agent = consul.agentOn(host(w.host));
      const args = ['--capacity-bytes', w.capacity];
      const worker = await startShardOnHost({ agent, name: w.name, serve: [], args });
      ChildLogs.tap(worker);
      children.push(worker);
    }
    const router = await startRouterOnHost({ agent: consul.agentOn(routerHost), name: 'router' });
    ChildLogs.tap(router);
    children.push(router);
    // The operator publishes from a worker host; the workers fetch from the file:// URLs.
    const versionDir = await realpath(path.join(TEST_MODELS_DIR, 'mlp', '1'));
    const [command, ...launcher] = [...workerHosts[0]!.launcher, process.execPath];
    const publish = ['publish', versionDir, '--registry', consul.agentOn(workerHosts[0]!).localRegistryUrl];
    await promisify(execFile)(command!, [
      ...launcher,
      CLI_ENTRY,
      ...publish,
      '--replicas',
      '2',
      '--base-url',
      pathToFileURL(versionDir).href,
    ]);
    client = await InferenceClient.connect(
      `${routerHost.address}:${ROUTER_PORT}`,
      storeTlsFiles(operator, 'client'),
    );
    try {
      await client.waitForModel('mlp', 60_000);
    } catch (error) {
      for (const c of children)
        for (const l of ChildLogs.tap(c).lines.filter(
          (l) => (l.level as number) >= 40 || /placement|assign|worker|loaded/.test(String(l.msg)),
        ))
          console.log(c.name, JSON.stringify(l).slice(0, 400));
      throw error;
    }
    const x = randomTensor('x', [2, 8], 77);
    expected = { x, y: (await runModel(models.models.mlp.original, [x]))[0]! };
  });
  let expected: { x: ReturnType<typeof randomTensor>; y: ReturnType<typeof randomTensor> };

  after(async () => {
    client?.close();
    await Promise.all(children.map((c) => c.stop(5_000)));
    await consul?.stop();
    await network?.destroy();
  });

  void test('the two replicas of each partition are on different hosts, and the router host serves the model', async () => {
    const registered = async (): Promise<HealthEntry[]> =>
      (await getJson<HealthEntry[]>(
        consul.agentOn(network.hosts.get('router')!),
        '/v1/health/service/shardmesh-shard?passing=true',
      )) ?? [];
    await pollUntil('4 replicas registered', 30_000, async () => (await registered()).length === 4);
    for (const partition of ['0', '1']) {
      const replicas = (await registered()).filter((e) => e.Service.Meta['partition'] === partition);
      assert.equal(replicas.length, 2, `partition ${partition}: ${replicas.length} replicas`);
      const nodes = replicas.map((e) => e.Node.Node).sort();
      assert.deepEqual(nodes, ['worker-1', 'worker-2'], `partition ${partition} on ${nodes.join(', ')}`);
    }
    const response = await client!.call<InferResponse>('ModelInfer', rawInferRequest('mlp', [expected.x]));
    const data = response.raw_output_contents[0]!;
    assert.ok(relativeMaxError({ ...expected.y, data }, expected.y) <= 1e-5, 'matches the unsplit model');
    const routerFiles = await readdir(network.hosts.get('router')!.dir, { recursive: true });
    assert.deepEqual(
      routerFiles.filter((f) => f.endsWith('.onnx') || f.endsWith('plan.json')),
      [],
      'the router host has no model file',
    );
  });
});
