import path from 'node:path';
import {
  makeCertificates,
  startLocalMesh,
  type LocalMesh,
  type LocalMeshOptions,
} from '../../cli/local-mesh.js';
import { PACKAGE_ROOT } from '../../cli/paths.js';
import { prepareModelRepository, type PreparedRepository } from '../../partition/models/demo-models.js';

/**
 * The demo model repository, built once per checkout and reused by every test file (its stamp
 * makes a rebuild happen only when the splitter changed).
 */
export const TEST_MODELS_DIR = path.join(PACKAGE_ROOT, '.shardmesh', 'test-models', 'models');

export function prepareTestModels(): Promise<PreparedRepository> {
  return prepareModelRepository(TEST_MODELS_DIR, { partitions: 2 });
}

export { makeCertificates };

export type MeshOptions = Omit<LocalMeshOptions, 'modelsDir'> & {
  /** @default TEST_MODELS_DIR */
  readonly modelsDir?: string;
};

export type Mesh = LocalMesh;

/** Starts a router and shards as real `shardmesh` processes; SHARDMESH_TEST_LOGS=1 shows their logs. */
export function startMesh(options: MeshOptions): Promise<Mesh> {
  return startLocalMesh({
    ...options,
    modelsDir: options.modelsDir ?? TEST_MODELS_DIR,
    logs: options.logs ?? (process.env['SHARDMESH_TEST_LOGS'] ? 'inherit' : 'ignore'),
  });
}
