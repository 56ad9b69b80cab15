import { execFile } from 'node:child_process';
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { ChildService } from '../../../cli/child-service.js';
import { InferenceClient } from '../../../cli/inference-client.js';
import { CLI_ENTRY } from '../../../cli/paths.js';
import { storeTlsFiles } from '../../../certs/store.js';
import { ChildLogs } from '../child-logs.js';
import { readPlacement, type PlacementView } from '../placement-view.js';
import { ConsulCluster } from './consul-cluster.js';
import type { ConsulHostAgent } from './consul-host-agent.js';
import { issueHostCertificates } from './host-certificates.js';
import { ROUTER_PORT, startRouterOnHost, startShardOnHost } from './host-services.js';
import type { SimulatedHost } from './simulated-host.js';
import { SimulatedNetwork } from './simulated-network.js';

/** A generic worker (`shardmesh shard --capacity-bytes`, no `--serve`) on a worker host. */
export interface WorkerSpec {
  /** Certificate and process name. */
  readonly name: string;
  /** `worker-N`. */
  readonly host: string;
  /** As `--capacity-bytes` takes it, e.g. '1GiB'. */
  readonly capacity: string;
  /** Extra environment, e.g. `{ SHARDMESH_LOG_LEVEL: 'debug' }` to see each call. */
  readonly env?: Readonly<Record<string, string>>;
}

export interface PlacementMeshOptions {
  /** Worker hosts `worker-1` … `worker-N`, each with a Consul client agent. */
  readonly workerHosts: number;
  readonly workers: readonly WorkerSpec[];
  /** Router hosts, one router each, named as the host; every router competes for placement. */
  readonly routers: readonly string[];
  /** Extra `shardmesh router` options. @default [] */
  readonly routerArgs?: readonly string[];
  /** Extra `shardmesh shard` options for every worker. @default [] */
  readonly workerArgs?: readonly string[];
  /** The model version folder the operator publishes (from worker-1), and its replicas. */
  readonly publish: { readonly versionDir: string; readonly model: string; readonly replicas: number };
}

export interface PlacementMesh {
  readonly network: SimulatedNetwork;
  readonly consul: ConsulCluster;
  readonly routers: Map<string, ChildService>;
  readonly workers: Map<string, ChildService>;
  /** A client per router, with the `client` certificate, reconnecting within 100–500 ms. */
  readonly clients: Map<string, InferenceClient>;
  readonly operatorCertsDir: string;
  host(name: string): SimulatedHost;
  routerAddress(name: string): string;
  logs(child: ChildService): ChildLogs;
  /** The worker's name by its placement id (its instance id). */
  workerName(id: string): string | undefined;
  /** The placement keys and passing registrations, read from a running Consul server. */
  placement(): Promise<PlacementView>;
  stop(): Promise<void>;
}

/**
 * Placement across simulated hosts: 3 Consul servers, worker hosts with generic workers whose model
 * folders start empty (they fetch what they are assigned from the plan's file:// URLs), router
 * hosts with no model file (routers read plans from Consul KV), and the model published from
 * worker-1 with `--replicas`. Resolves once the model is ready through every router. What fails on
 * the way stops what started, and the network is removed.
 */
export async function startPlacementMesh(o: PlacementMeshOptions): Promise<PlacementMesh> {
  const network = await SimulatedNetwork.create();
  let consul: ConsulCluster | undefined;
  const routers = new Map<string, ChildService>();
  const workers = new Map<string, ChildService>();
  const clients = new Map<string, InferenceClient>();
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      for (const c of clients.values()) c.close();
      await Promise.all([...workers.values(), ...routers.values()].map((c) => c.stop(5_000)));
      await consul?.stop();
      await network.destroy();
    })());
  const host = (name: string): SimulatedHost => {
    const h = network.hosts.get(name);
    if (!h) throw new Error(`no host ${name}`);
    return h;
  };
  try {
    const servers: SimulatedHost[] = [];
    for (let i = 1; i <= 3; i++) servers.push(await network.addHost(`consul-${i}`));
    const workerHosts: SimulatedHost[] = [];
    for (let i = 1; i <= o.workerHosts; i++) workerHosts.push(await network.addHost(`worker-${i}`));
    const routerHosts: SimulatedHost[] = [];
    for (const r of o.routers) routerHosts.push(await network.addHost(r));
    consul = await ConsulCluster.start({ servers, clients: [...workerHosts, ...routerHosts] });
    const cluster = consul;
    const operatorCertsDir = path.join(network.dir, 'operator-certs');
    await issueHostCertificates(operatorCertsDir, [
      ...routerHosts.map((h) => ({ role: 'router' as const, name: h.name, host: h })),
      { role: 'client', name: 'client' },
      ...o.workers.map((w) => ({ role: 'shard' as const, name: w.name, host: host(w.host) })),
    ]);
    const startWorker = async (w: WorkerSpec): Promise<ChildService> => {
      const agent = cluster.agentOn(host(w.host));
      const args = ['--capacity-bytes', w.capacity, ...(o.workerArgs ?? [])];
      const worker = await startShardOnHost({ agent, name: w.name, serve: [], args, env: w.env ?? {} });
      ChildLogs.tap(worker);
      workers.set(w.name, worker);
      return worker;
    };
    for (const w of o.workers) await startWorker(w);
    for (const h of routerHosts) {
      const agent = cluster.agentOn(h);
      const router = await startRouterOnHost({ agent, name: h.name, args: o.routerArgs ?? [] });
      ChildLogs.tap(router);
      routers.set(h.name, router);
    }
    await publish(workerHosts[0]!, cluster.agentOn(workerHosts[0]!), o.publish);
    const routerAddress = (name: string): string => `${host(name).address}:${ROUTER_PORT}`;
    for (const name of routers.keys()) {
      const client = await InferenceClient.connect(
        routerAddress(name),
        storeTlsFiles(operatorCertsDir, 'client'),
        { 'grpc.initial_reconnect_backoff_ms': 100, 'grpc.max_reconnect_backoff_ms': 500 },
      );
      clients.set(name, client);
      await client.waitForModel(o.publish.model, 60_000);
    }
    const runningServer = (): ConsulHostAgent => {
      const s = cluster.runningServers()[0];
      if (!s) throw new Error('no Consul server running');
      return s;
    };
    return {
      network,
      consul: cluster,
      routers,
      workers,
      clients,
      operatorCertsDir,
      host,
      routerAddress,
      logs: (child) => ChildLogs.tap(child),
      workerName: (id) => [...workers].find(([, w]) => w.instanceId === id)?.[0],
      placement: () => readPlacement(runningServer(), o.publish.model),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** `shardmesh publish --replicas N --base-url file://…` run on `host`, as an operator would. */
async function publish(
  host: SimulatedHost,
  agent: ConsulHostAgent,
  p: PlacementMeshOptions['publish'],
): Promise<void> {
  const versionDir = await realpath(p.versionDir);
  const [command, ...launcher] = [...host.launcher, process.execPath];
  await promisify(execFile)(
    command!,
    [
      ...launcher,
      CLI_ENTRY,
      'publish',
      versionDir,
      '--registry',
      agent.localRegistryUrl,
      '--replicas',
      String(p.replicas),
      '--base-url',
      pathToFileURL(versionDir).href,
    ],
    { timeout: 60_000 },
  );
}
