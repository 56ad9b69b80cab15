import { execFile } from 'node:child_process';
import { copyFile, mkdir, readFile, realpath } from 'node:fs/promises';
import { promisify } from 'node:util';
import { CLI_ENTRY } from '../../../cli/paths.js';
import path from 'node:path';
import type { Plan } from '../../../lib/plan/schema.js';
import type { SimulatedHost } from './simulated-host.js';

/**
 * Puts a model version on a shard host's own disk (`<host dir>/models/<name>/<version>/`): its plan
 * and the partition files the host serves, nothing else. Router hosts get nothing: routers read
 * plans from Consul KV, where `publishFromHost` puts them.
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

/**
 * `shardmesh publish VERSION_DIR` run on `host` against its own Consul agent, as an operator
 * publishes a model: the plan (with every partition file's size and SHA-256) goes to Consul KV,
 * replicated by the servers to every router's agent.
 */
export async function publishFromHost(
  host: SimulatedHost,
  registryUrl: string,
  versionDir: string,
): Promise<void> {
  const [command, ...args] = [...host.launcher, process.execPath];
  await promisify(execFile)(
    command!,
    [...args, CLI_ENTRY, 'publish', versionDir, '--registry', registryUrl],
    {
      timeout: 60_000,
    },
  );
}
