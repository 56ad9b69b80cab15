import path from 'node:path';
import type { ChildService } from '../../../cli/child-service.js';
import { InferenceClient } from '../../../cli/inference-client.js';
import { storeTlsFiles } from '../../../certs/store.js';
import { ChildLogs } from '../child-logs.js';
import { TEST_MODELS_DIR } from '../mesh.js';
import { ConsulCluster } from './consul-cluster.js';
import { issueHostCertificates } from './host-certificates.js';
import { installModelOnHost, publishFromHost } from './host-models.js';
import { ROUTER_PORT, startRouterOnHost, startShardOnHost } from './host-services.js';
import type { SimulatedHost } from './simulated-host.js';
import { SimulatedNetwork } from './simulated-network.js';

/** One shard process: its name (certificate and instance), host, and the partitions it serves. */
export interface ShardPlacement {
  readonly name: string;
  readonly host: string;
  readonly model: string;
  readonly version: string;
  /** `[stage index, partition index]` pairs; the shard gets these files and `--serve`s them. */
  readonly partitions: readonly (readonly [number, number])[];
  /** Extra environment, e.g. `{ SHARDMESH_LOG_LEVEL: 'debug' }` to see each call. */
  readonly env?: Readonly<Record<string, string>>;
  /** Listen on 0.0.0.0, as in a container, advertising the host's address. @default false */
  readonly listenOnAllInterfaces?: boolean;
}

export interface MultiHostMeshOptions {
  /** Consul servers, one per host. @default 3 */
  readonly consulServers?: number;
  /** Worker hosts `worker-1` … `worker-N`, each with a Consul client agent. */
  readonly workers: number;
  readonly shards: readonly ShardPlacement[];
  /** Extra `shardmesh router` options. @default [] */
  readonly routerArgs?: readonly string[];
  /** Models the router must report ready before this resolves. @default the shards' models */
  readonly models?: readonly string[];
}

export interface MultiHostMesh {
  readonly network: SimulatedNetwork;
  readonly consul: ConsulCluster;
  readonly routerHost: SimulatedHost;
  readonly router: ChildService;
  /** Shard processes by name. */
  readonly shards: ReadonlyMap<string, ChildService>;
  /** The router's address as a client on the LAN (the test process) dials it. */
  readonly routerAddress: string;
  /** A client with the `client` certificate, reconnecting within 100–500 ms. */
  readonly client: InferenceClient;
  /** The operator's certificate store: the CA (with its key) and the client's pair. */
  readonly operatorCertsDir: string;
  host(name: string): SimulatedHost;
  logs(name: string): ChildLogs;
  /** Stops every process (shards, router, agents), then removes the network. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * The mesh spread over simulated hosts: `consul-1..N` run Consul servers; `worker-1..N` and
 * `router` run a Consul client agent each, and the shards and the router register and watch
 * through their own host's agent. Each host has its own folder for models and certificates (a
 * shard host gets only its partitions; the router host nothing: its router reads the plans that
 * `publish` put in Consul KV). What fails on the way stops
 * what started, and the network is removed.
 */
export async function startMultiHostMesh(o: MultiHostMeshOptions): Promise<MultiHostMesh> {
  const network = await SimulatedNetwork.create();
  let consul: ConsulCluster | undefined;
  const children: ChildService[] = [];
  let client: InferenceClient | undefined;
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      client?.close();
      await Promise.all(children.map((c) => c.stop(5_000)));
      await consul?.stop();
      await network.destroy();
    })());
  try {
    const servers: SimulatedHost[] = [];
    for (let i = 1; i <= (o.consulServers ?? 3); i++) servers.push(await network.addHost(`consul-${i}`));
    const workers: SimulatedHost[] = [];
    for (let i = 1; i <= o.workers; i++) workers.push(await network.addHost(`worker-${i}`));
    const routerHost = await network.addHost('router');
    const host = (name: string): SimulatedHost => {
      const h = network.hosts.get(name);
      if (!h) throw new Error(`no host ${name}`);
      return h;
    };
    consul = await ConsulCluster.start({ servers, clients: [...workers, routerHost] });
    const operatorCertsDir = path.join(network.dir, 'operator-certs');
    await issueHostCertificates(operatorCertsDir, [
      { role: 'router', name: 'router', host: routerHost },
      { role: 'client', name: 'client' },
      ...o.shards.map((s) => ({ role: 'shard' as const, name: s.name, host: host(s.host) })),
    ]);
    const versionDir = (s: { model: string; version: string }): string =>
      path.join(TEST_MODELS_DIR, s.model, s.version);
    const models = [...new Set(o.shards.map((s) => `${s.model}/${s.version}`))];
    // The operator publishes each version from a worker host; the router host gets no file.
    for (const m of models) {
      const [model, version] = m.split('/') as [string, string];
      const publisher = workers[0]!;
      await publishFromHost(
        publisher,
        consul.agentOn(publisher).localRegistryUrl,
        versionDir({ model, version }),
      );
    }
    const shards = new Map<string, ChildService>();
    for (const s of o.shards) {
      await installModelOnHost(host(s.host), versionDir(s), s.partitions);
      const serve = s.partitions.map(([, p]) => `${s.model}/${s.version}/*/${p}`);
      const agent = consul.agentOn(host(s.host));
      const listenOnAllInterfaces = s.listenOnAllInterfaces ?? false;
      const env = s.env ?? {};
      const shard = await startShardOnHost({ agent, name: s.name, serve, env, listenOnAllInterfaces });
      children.push(shard);
      shards.set(s.name, shard);
      ChildLogs.tap(shard);
    }
    const args = o.routerArgs ?? [];
    const router = await startRouterOnHost({ agent: consul.agentOn(routerHost), name: 'router', args });
    children.push(router);
    ChildLogs.tap(router);
    const routerAddress = `${routerHost.address}:${ROUTER_PORT}`;
    client = await InferenceClient.connect(routerAddress, storeTlsFiles(operatorCertsDir, 'client'), {
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 500,
    });
    for (const model of o.models ?? [...new Set(o.shards.map((s) => s.model))])
      await client.waitForModel(model, 60_000);
    return {
      network,
      consul,
      routerHost,
      router,
      shards,
      routerAddress,
      client,
      operatorCertsDir,
      host,
      logs: (name) => ChildLogs.tap(name === 'router' ? router : shards.get(name)!),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
