import type { LocalMeshOptions } from '../cli/local-mesh.js';

/**
 * How the bench starts its meshes with `startLocalMesh` (cli/local-mesh.ts, which `shardmesh up`
 * and the integration tests use too), each on a fresh embedded registry: children log at warn
 * (set SHARDMESH_BENCH_LOGS=1 to see their lines), and big models get two minutes to load.
 */
export const BENCH_MESH_SETTINGS = {
  logs: process.env['SHARDMESH_BENCH_LOGS'] ? 'inherit' : 'ignore',
  readyTimeoutMs: 120_000,
} as const satisfies Partial<LocalMeshOptions>;
