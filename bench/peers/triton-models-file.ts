import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../cli/paths.js';
import type { PeerModel } from './peer.js';

/** What triton_extensions.py reads, through this variable, to answer ModelConfig and ModelStatistics. */
export const TRITON_MODELS_ENV = 'SHARDMESH_BENCH_TRITON_MODELS';

/** The peers' Python code lives beside this file in the source tree, not in dist/. */
export const PEERS_SOURCE_DIR = path.join(PACKAGE_ROOT, 'bench', 'peers');

/** Writes the models' description for triton_extensions.py; returns its path. */
export async function writeTritonModels(workDir: string, models: readonly PeerModel[]): Promise<string> {
  const file = path.join(workDir, 'triton-models.json');
  const entries = models.map((m) => ({ name: m.name, version: '1', inputs: m.inputs, outputs: m.outputs }));
  await writeFile(file, JSON.stringify(entries, null, 2));
  return file;
}
