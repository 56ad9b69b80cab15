import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository (or installed package) root: where package.json and proto/ live. */
export const PACKAGE_ROOT = (() => {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'shardmesh') return dir;
    } catch {
      // not here; keep walking up
    }
    if (path.dirname(dir) === dir) throw new Error('cannot find the shardmesh package root');
  }
})();

export const VERSION = (
  JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }
).version;

/** The compiled CLI entry, for spawning child processes of the same build. */
export const CLI_ENTRY = path.join(PACKAGE_ROOT, 'dist', 'cli', 'main.js');

/** Local state of `shardmesh up` and the other commands' defaults, under the working directory. */
export const STATE_DIR = '.shardmesh';
export const DEFAULT_CERTS_DIR = path.join(STATE_DIR, 'certs');
export const DEFAULT_MODELS_DIR = path.join(STATE_DIR, 'models');
/** Where `shardmesh up` writes each child's JSON log lines, one file per process, unless `--verbose`. */
export const LOGS_DIR = path.join(STATE_DIR, 'logs');
export const DEFAULT_REGISTRY_URL = `embedded:${path.join(STATE_DIR, 'registry')}`;
