import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCertsInit, runCertsIssue } from '../../certs/cli.js';
import { storeTlsFiles } from '../../certs/store.js';
import { startChildService, type ChildService } from '../../cli/child-service.js';
import { PACKAGE_ROOT } from '../../cli/paths.js';
import { InferenceClient } from '../../lib/grpc/inference-client.js';
import { prepareModelRepository, type PreparedRepository } from '../../partition/demo-models.js';

const quiet = (): void => undefined;

/**
 * The demo model repository, built once per checkout and reused by every test file (its stamp
 * makes a rebuild happen only when the splitter changed).
 */
export const TEST_MODELS_DIR = path.join(PACKAGE_ROOT, '.shardmesh', 'test-models', 'models');

export function prepareTestModels(): Promise<PreparedRepository> {
  return prepareModelRepository(TEST_MODELS_DIR, { partitions: 2 });
}

/** A fresh PKI in a temporary folder: a CA plus certificates by [role, name]. */
export async function makeCertificates(
  names: readonly (readonly ['router' | 'shard' | 'client', string])[],
): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'shardmesh-certs-'));
  await runCertsInit({ dir }, quiet);
  for (const [role, name] of names) await runCertsIssue({ dir, role, name }, quiet);
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export interface MeshOptions {
  readonly registryUrl: string;
  readonly certsDir: string;
  readonly modelsDir?: string;
  /** Shard processes to start: certificate name and `--serve` selectors. */
  readonly shards: readonly { readonly name: string; readonly serve: readonly string[] }[];
  /** Child log lines: `ignore` keeps test output readable; set SHARDMESH_TEST_LOGS=1 to see them. */
  readonly logs?: 'inherit' | 'ignore';
}

export interface Mesh {
  readonly router: ChildService;
  readonly shards: Map<string, ChildService>;
  readonly address: string;
  readonly client: InferenceClient;
  startShard(name: string, serve: readonly string[]): Promise<ChildService>;
  waitForModel(model: string, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Starts a router and shards as real `shardmesh` processes, as `shardmesh up` does. */
export async function startMesh(options: MeshOptions): Promise<Mesh> {
  const logs = options.logs ?? (process.env['SHARDMESH_TEST_LOGS'] ? 'inherit' : 'ignore');
  const common = [
    '--registry',
    options.registryUrl,
    '--models',
    options.modelsDir ?? TEST_MODELS_DIR,
    '--certs',
    options.certsDir,
  ];
  const env = { ...process.env, SHARDMESH_LOG_LEVEL: process.env['SHARDMESH_LOG_LEVEL'] ?? 'warn' };
  const router = await startChildService('router', ['router', ...common, '--port', '0'], { logs, env });
  const shards = new Map<string, ChildService>();
  const startShard = async (name: string, serve: readonly string[]): Promise<ChildService> => {
    const shard = await startChildService(
      name,
      ['shard', ...common, '--name', name, ...serve.flatMap((s) => ['--serve', s])],
      { logs, env },
    );
    shards.set(name, shard);
    return shard;
  };
  await Promise.all(options.shards.map((s) => startShard(s.name, s.serve)));
  const address = `127.0.0.1:${router.port}`;
  const client = await InferenceClient.connect(address, storeTlsFiles(options.certsDir, 'client'));
  return {
    router,
    shards,
    address,
    client,
    startShard,
    waitForModel: (model, timeoutMs) => client.waitForModel(model, timeoutMs),
    async stop() {
      client.close();
      await Promise.all([...shards.values()].map((s) => s.stop(5_000)));
      await router.stop(5_000);
    },
  };
}
