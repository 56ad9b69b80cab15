import { copyFile, mkdir, readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import type { Plan } from '../../../lib/plan/schema.js';
import type { SimulatedHost } from './simulated-host.js';

/**
 * Puts a model version on a host's own disk (`<host dir>/models/<name>/<version>/`): its plan and
 * the partition files the host serves, nothing else. A router host gets the plan alone (no
 * partition files), because today the router reads plans from a local folder; with the model
 * repository in Consul KV (issue 13, item 1) it will need no file at all.
 *
 * `partitions` lists `[stage index, partition index]` pairs, or 'all'.
 */
export async function installModelOnHost(
  host: SimulatedHost,
  versionDir: string,
  partitions: readonly (readonly [number, number])[] | 'all',
): Promise<string> {
  // A version folder may be a symlink swapped by `split` (lib/plan/version-swap.ts): copy what it points at.
  const source = await realpath(versionDir);
  const plan = JSON.parse(await readFile(path.join(source, 'plan.json'), 'utf8')) as Plan;
  const root = hostModelsDir(host);
  const dest = path.join(root, plan.name, plan.version);
  await mkdir(dest, { recursive: true });
  await copyFile(path.join(source, 'plan.json'), path.join(dest, 'plan.json'));
  const wanted = (s: number, p: number): boolean =>
    partitions === 'all' || partitions.some(([ws, wp]) => ws === s && wp === p);
  for (const [s, stage] of plan.stages.entries())
    for (const [p, partition] of stage.partitions.entries())
      if (wanted(s, p)) await copyFile(path.join(source, partition.file), path.join(dest, partition.file));
  return root;
}

/** The host's model repository, as `--models` takes it. */
export const hostModelsDir = (host: SimulatedHost): string => path.join(host.dir, 'models');
