import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCertsInit, runCertsIssue } from '../certs/cli.js';
import type { Role } from '../certs/identity.js';
import { storeTlsFiles } from '../certs/store.js';
import { InferenceClient } from './inference-client.js';
import { startChildService, type ChildLogs, type ChildService } from './child-service.js';
import { parseRegistryUrl } from '../registry/open-registry.js';
import { publishRepository } from './publish-version.js';

const quiet = (): void => undefined;

/** A throwaway certificate store: a fresh CA in a temporary folder and a certificate per [role, name]. */
export async function makeCertificates(
  names: readonly (readonly [Role, string])[],
): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'shardmesh-certs-'));
  await runCertsInit({ dir }, quiet);
  for (const [role, name] of names) await runCertsIssue({ dir, role, name }, quiet);
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export interface LocalMeshOptions {
  /** @default a fresh embedded registry in a temporary folder, which `stop` removes */
  readonly registryUrl?: string;
  readonly certsDir: string;
  readonly modelsDir: string;
  /** Shard processes to start: certificate name, `--serve` selectors, and extra environment. */
  readonly shards: readonly {
    readonly name: string;
    readonly serve: readonly string[];
    readonly env?: Readonly<Record<string, string>>;
    /** Extra `shardmesh shard` options, e.g. `['--max-inflight-bytes', '256MiB']`. @default [] */
    readonly args?: readonly string[];
  }[];
  /** Extra `shardmesh router` options, e.g. `['--max-inflight-bytes', '256MiB']`, its per-attempt timeouts, or `--policy FILE` (else `--dev-policy`). @default [] */
  readonly routerArgs?: readonly string[];
  /**
   * Where the children's log lines go; with 'pipe', each child's `process.stderr` is a stream the
   * caller must read (tests do, to observe the children); with `{ dir }`, each child writes
   * `DIR/NAME.log`. @default 'ignore'
   */
  readonly logs?: 'inherit' | 'ignore' | 'pipe' | { readonly dir: string };
  /** Extra environment for every child, router and shards, e.g. OTEL_* variables. @default {} */
  readonly env?: Readonly<Record<string, string>>;
  /** Children's log level, unless SHARDMESH_LOG_LEVEL says otherwise. @default 'warn' */
  readonly logLevel?: string;
  /** How long `stop` lets a child drain before SIGKILL. @default 5000 */
  readonly stopGraceMs?: number;
  /** The router's port; 0 picks a free one. @default 0 */
  readonly routerPort?: number;
  /**
   * The router's metrics port (`--metrics-port`); 0 picks a free one, so meshes side by side
   * (tests) never collide. Shards always get a free one each. @default 0
   */
  readonly routerMetricsPort?: number;
  /** How long each child may take to listen, and each of `models` to become ready. @default 60000 */
  readonly readyTimeoutMs?: number;
  /**
   * Models that must be ready (every partition served) before `startLocalMesh` resolves; if one is
   * not, the mesh is stopped and the promise rejects. @default []
   */
  readonly models?: readonly string[];
  /**
   * With a Consul registry: publish every version in `modelsDir` to Consul KV before the router
   * starts (the router reads plans from KV only). False leaves publishing to the caller.
   * @default true
   */
  readonly publish?: boolean;
}

export interface LocalMesh {
  /** The registry the children use: `options.registryUrl`, or the temporary one. */
  readonly registryUrl: string;
  /** The router running now (`restartRouter` replaces it). */
  readonly router: ChildService;
  readonly shards: Map<string, ChildService>;
  readonly address: string;
  /** A client with the store's `client` certificate. */
  readonly client: InferenceClient;
  startShard(
    name: string,
    serve: readonly string[],
    env?: Readonly<Record<string, string>>,
    args?: readonly string[],
  ): Promise<ChildService>;
  waitForModel(model: string, timeoutMs?: number): Promise<void>;
  /**
   * Stops the router (SIGTERM, SIGKILL after `stopGraceMs`) and starts a new one with the same
   * flags on the same port, so clients reconnect to the address they had.
   */
  restartRouter(): Promise<ChildService>;
  /** SIGTERM to every child (SIGKILL after `stopGraceMs`), shards first. */
  stop(): Promise<void>;
}

/**
 * A router and shards as real `shardmesh` child processes of this build, for `shardmesh up`,
 * tests and benchmarks. Whatever fails on the way stops what was started.
 */
export async function startLocalMesh(options: LocalMeshOptions): Promise<LocalMesh> {
  let removeRegistry = async (): Promise<void> => undefined;
  let registryUrl = options.registryUrl;
  if (registryUrl === undefined) {
    const dir = await mkdtemp(path.join(tmpdir(), 'shardmesh-registry-'));
    registryUrl = `embedded:${dir}`;
    removeRegistry = () => rm(dir, { recursive: true, force: true });
  }
  let mesh: LocalMesh;
  try {
    mesh = await startChildren(options, registryUrl);
  } catch (error) {
    await removeRegistry();
    throw error;
  }
  const stopChildren = mesh.stop.bind(mesh);
  const stop = async (): Promise<void> => {
    await stopChildren();
    await removeRegistry();
  };
  try {
    const timeoutMs = options.readyTimeoutMs ?? 60_000;
    for (const model of options.models ?? []) await mesh.waitForModel(model, timeoutMs);
  } catch (error) {
    await stop();
    throw error;
  }
  // Not a spread: that would freeze `router`, which `restartRouter` replaces.
  return Object.assign(mesh, { stop });
}

async function startChildren(options: LocalMeshOptions, registryUrl: string): Promise<LocalMesh> {
  const logsOption = options.logs ?? 'ignore';
  const logs = (name: string): ChildLogs =>
    typeof logsOption === 'object' ? { file: path.join(logsOption.dir, `${name}.log`) } : logsOption;
  const consul = parseRegistryUrl(registryUrl).kind === 'consul';
  if (consul && options.publish !== false) await publishRepository(options.modelsDir, { registryUrl });
  const registryArgs = ['--registry', registryUrl, '--certs', options.certsDir];
  const common = [...registryArgs, '--models', options.modelsDir];
  const env = {
    ...process.env,
    ...options.env,
    SHARDMESH_LOG_LEVEL: process.env['SHARDMESH_LOG_LEVEL'] ?? options.logLevel ?? 'warn',
  };
  const start = (name: string) => ({
    logs: logs(name),
    env,
    readyTimeoutMs: options.readyTimeoutMs ?? 60_000,
  });
  const extra = options.routerArgs ?? [];
  // A local mesh is for development and tests: `shardmesh up`'s dev policy unless told otherwise.
  const policy = extra.includes('--policy') || extra.includes('--dev-policy') ? [] : ['--dev-policy'];
  const routerArgs = (port: number, metricsPort: number): string[] => [
    'router',
    // With Consul the router reads plans from KV, and refuses a --models folder.
    ...(consul ? registryArgs : common),
    '--port',
    String(port),
    '--metrics-port',
    String(metricsPort),
    ...policy,
    ...extra,
  ];
  let router = await startChildService(
    'router',
    routerArgs(options.routerPort ?? 0, options.routerMetricsPort ?? 0),
    start('router'),
  );
  const shards = new Map<string, ChildService>();
  const stop = async (): Promise<void> => {
    const grace = options.stopGraceMs ?? 5_000;
    await Promise.all([...shards.values()].map((s) => s.stop(grace)));
    await router.stop(grace);
  };
  const startShard = async (
    name: string,
    serve: readonly string[],
    extraEnv: Readonly<Record<string, string>> = {},
    args: readonly string[] = [],
  ): Promise<ChildService> => {
    const selectors = serve.flatMap((s) => ['--serve', s]);
    const shard = await startChildService(name, ['shard', ...common, '--name', name, ...selectors, ...args], {
      ...start(name),
      env: { ...env, ...extraEnv },
    });
    shards.set(name, shard);
    return shard;
  };
  try {
    await Promise.all(options.shards.map((s) => startShard(s.name, s.serve, s.env, s.args)));
  } catch (error) {
    await stop();
    throw error;
  }
  const address = `127.0.0.1:${router.port}`;
  const client = await InferenceClient.connect(address, storeTlsFiles(options.certsDir, 'client'));
  return {
    registryUrl,
    get router() {
      return router;
    },
    shards,
    address,
    client,
    startShard,
    waitForModel: (model, timeoutMs) => client.waitForModel(model, timeoutMs),
    async restartRouter() {
      const port = router.port;
      await router.stop(options.stopGraceMs ?? 5_000);
      router = await startChildService('router', routerArgs(port, router.metricsPort ?? 0), start('router'));
      return router;
    },
    async stop() {
      client.close();
      await stop();
    },
  };
}
