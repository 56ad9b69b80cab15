import { readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ip, ipQuietly } from './ip-command.js';
import { parseRunName, processAlive } from './run-names.js';

/** The namespaces `ip netns list` shows, by name. */
export async function listNamespaces(): Promise<string[]> {
  const out = await ip('netns', 'list');
  return out
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[0] ?? '')
    .filter((name) => name !== '');
}

/**
 * Kills every process inside `namespace`, then deletes it. Deleting alone is not enough: the
 * kernel keeps a namespace alive while a process is in it, so a leftover Consul agent would go on
 * running, unreachable.
 */
export async function removeNamespace(namespace: string): Promise<void> {
  const pids = await ip('netns', 'pids', namespace).catch(() => '');
  for (const pid of pids.split('\n').filter((p) => /^\d+$/.test(p.trim()))) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  await ipQuietly('netns', 'del', namespace);
}

/**
 * Removes what earlier runs left when their process died before tearing down (a crash, a SIGKILL,
 * a test runner timeout): namespaces and uplinks whose owner pid is gone, and their work folders.
 * A network whose owner is alive is another test's, and is left alone.
 */
export async function removeStaleNetworks(): Promise<string[]> {
  const stale = new Set<string>();
  const isStale = (name: string): string | undefined => {
    const run = parseRunName(name);
    return run && !processAlive(run.pid) ? run.prefix : undefined;
  };
  for (const namespace of await listNamespaces()) {
    const prefix = isStale(namespace);
    if (prefix === undefined) continue;
    stale.add(prefix);
    await removeNamespace(namespace);
  }
  // `ip -o link` prints `7: smh-123-0@if6: <...>`; deleting one end of a veth deletes both.
  for (const line of (await ip('-o', 'link', 'show')).split('\n')) {
    const name = /^\d+:\s+([^:@\s]+)/.exec(line)?.[1];
    const prefix = name === undefined ? undefined : isStale(name);
    if (prefix === undefined) continue;
    stale.add(prefix);
    await ipQuietly('link', 'del', name!);
  }
  for (const entry of await readdir(tmpdir())) {
    const prefix = isStale(entry);
    if (prefix === undefined) continue;
    stale.add(prefix);
    await rm(path.join(tmpdir(), entry), { recursive: true, force: true });
  }
  return [...stale];
}
