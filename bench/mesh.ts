import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { storeTlsFiles } from '../certs/store.js';
import { startChildService, type ChildService } from '../cli/child-service.js';
import { InferenceClient } from '../lib/grpc/inference-client.js';

/** A shard process to start: its certificate name and `--serve` selectors. */
export interface ShardSpec {
  readonly name: string;
  readonly serve: readonly string[];
}

export interface MeshOptions {
  readonly modelsDir: string;
  readonly certsDir: string;
  readonly shards: readonly ShardSpec[];
  /** Models to wait for until the router lists every partition as served. */
  readonly models: readonly string[];
}

/** A router and its shards as real `shardmesh` processes on the embedded registry. */
export interface Mesh {
  readonly address: string;
  readonly router: ChildService;
  readonly shards: readonly ChildService[];
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 120_000;

/**
 * Starts a mesh as `shardmesh up` does (the pattern of integration/harness/mesh.ts, which bench
 * must not import): a router on 127.0.0.1:0, one process per shard spec with ONNX Runtime's
 * default of one intra-op thread, a fresh embedded registry, and waits until every model is
 * ready. Children log at warn; set SHARDMESH_BENCH_LOGS=1 to see their lines.
 */
export async function startMesh(options: MeshOptions): Promise<Mesh> {
  const registryDir = await mkdtemp(path.join(tmpdir(), 'shardmesh-bench-registry-'));
  const logs = process.env['SHARDMESH_BENCH_LOGS'] ? 'inherit' : 'ignore';
  const env = { ...process.env, SHARDMESH_LOG_LEVEL: process.env['SHARDMESH_LOG_LEVEL'] ?? 'warn' };
  const common = [
    '--registry',
    `embedded:${registryDir}`,
    '--models',
    options.modelsDir,
    '--certs',
    options.certsDir,
  ];
  const children: ChildService[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(children.map((c) => c.stop(5_000)));
    await rm(registryDir, { recursive: true, force: true });
  };
  try {
    const router = await startChildService('router', ['router', ...common, '--port', '0'], {
      logs,
      env,
      readyTimeoutMs: READY_TIMEOUT_MS,
    });
    children.push(router);
    const shards = await Promise.all(
      options.shards.map(async (s) => {
        const serve = s.serve.flatMap((selector) => ['--serve', selector]);
        const shard = await startChildService(s.name, ['shard', ...common, '--name', s.name, ...serve], {
          logs,
          env,
          readyTimeoutMs: READY_TIMEOUT_MS,
        });
        children.push(shard);
        return shard;
      }),
    );
    const address = `127.0.0.1:${router.port}`;
    const client = await InferenceClient.connect(address, storeTlsFiles(options.certsDir, 'client'));
    try {
      for (const model of options.models) await waitForModel(client, model, READY_TIMEOUT_MS);
    } finally {
      client.close();
    }
    return { address, router, shards, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function waitForModel(client: InferenceClient, model: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const r = await client
      .call<{ ready: boolean }>('ModelReady', { name: model, version: '' }, 2_000)
      .catch(() => ({ ready: false }));
    if (r.ready) return;
    if (Date.now() > until) throw new Error(`model ${model} was not ready within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
