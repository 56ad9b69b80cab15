import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ChildService } from '../cli/child-service.js';
import { startLocalMesh, type LocalMesh } from '../cli/local-mesh.js';

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
 * Starts a mesh as `shardmesh up` does, on a fresh embedded registry (cli/local-mesh.ts, which the
 * integration tests use too), and waits until every model is ready. Children log at warn; set
 * SHARDMESH_BENCH_LOGS=1 to see their lines.
 */
export async function startMesh(options: MeshOptions): Promise<Mesh> {
  const registryDir = await mkdtemp(path.join(tmpdir(), 'shardmesh-bench-registry-'));
  const cleanup = (): Promise<void> => rm(registryDir, { recursive: true, force: true });
  let mesh: LocalMesh;
  try {
    mesh = await startLocalMesh({
      registryUrl: `embedded:${registryDir}`,
      certsDir: options.certsDir,
      modelsDir: options.modelsDir,
      shards: options.shards,
      logs: process.env['SHARDMESH_BENCH_LOGS'] ? 'inherit' : 'ignore',
      readyTimeoutMs: READY_TIMEOUT_MS,
    });
  } catch (error) {
    await cleanup();
    throw error;
  }
  const stop = async (): Promise<void> => {
    await mesh.stop();
    await cleanup();
  };
  try {
    for (const model of options.models) await mesh.waitForModel(model, READY_TIMEOUT_MS);
  } catch (error) {
    await stop();
    throw error;
  }
  return { address: mesh.address, router: mesh.router, shards: [...mesh.shards.values()], stop };
}
