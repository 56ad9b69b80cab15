import type { LocalMeshOptions } from '../cli/local-mesh.js';
import { startBenchMesh, type BenchMesh } from './bench-mesh.js';
import { BENCH_MESH_SETTINGS } from './mesh-settings.js';
import { meshCertificates } from './pki.js';
import type { SuiteContext } from './suite-context.js';

/** One shard process per partition of version 1 of `model`: `shard-p` serves `model/1/*\/p`. */
export function shardPerPartition(model: string, partitions: number): LocalMeshOptions['shards'] {
  return shardPerPartitionOf([{ model, partitions }]);
}

/**
 * Shard processes for several models at once, as many as the most partitions any has: `shard-p`
 * serves partition p of version 1 of every model that has one.
 */
export function shardPerPartitionOf(
  models: readonly { readonly model: string; readonly partitions: number }[],
): LocalMeshOptions['shards'] {
  return Array.from({ length: Math.max(...models.map((m) => m.partitions)) }, (_, p) => ({
    name: `shard-${p}`,
    serve: models.filter((m) => m.partitions > p).map((m) => `${m.model}/1/*/${p}`),
  }));
}

/**
 * Runs `fn` against a router and one shard process per partition of `model` (`shard-p` serving
 * `model/1/*\/p`), with certificates made for it, and stops them all after, whatever `fn` does.
 * `label` names the mesh's GC and profile folders (bench-mesh.ts).
 */
export async function withPartitionedMesh<T>(
  ctx: SuiteContext,
  label: string,
  model: string,
  partitions: number,
  fn: (mesh: BenchMesh, certsDir: string) => Promise<T>,
): Promise<T> {
  const certs = await meshCertificates(partitions);
  try {
    const mesh = await startBenchMesh(ctx, label, {
      ...BENCH_MESH_SETTINGS,
      modelsDir: ctx.modelsDir,
      certsDir: certs.dir,
      shards: shardPerPartition(model, partitions),
      models: [model],
    });
    try {
      return await fn(mesh, certs.dir);
    } finally {
      await mesh.stop();
    }
  } finally {
    await certs.cleanup();
  }
}
