/**
 * Names of one simulated network's kernel objects. Everything a run creates starts with
 * `smh-<pid>-<n>` (the test process's pid and a counter), so a later run can tell leftovers of a
 * crashed run (their pid is gone) from a network another test process is using right now. Linux
 * caps interface names at 15 bytes: the prefix is at most 14 (pid ≤ 4194304, counter < 100), and
 * interfaces inside namespaces get short fixed names, since each namespace has its own.
 */

const PREFIX_PATTERN = /^smh-(\d+)-(\d+)(?:-|$)/;

/** The longest pid Linux hands out is 2^22; past that, names would pass the 15-byte limit. */
const MAX_NETWORKS_PER_PROCESS = 100;

let networksMade = 0;

/** A fresh prefix for a network made by this process. */
export function newRunPrefix(pid = process.pid): string {
  if (networksMade >= MAX_NETWORKS_PER_PROCESS)
    throw new Error(`one process may make at most ${MAX_NETWORKS_PER_PROCESS} simulated networks`);
  return `smh-${pid}-${networksMade++}`;
}

/** The prefix `name` starts with and the pid that made it, or undefined for a name not ours. */
export function parseRunName(name: string): { prefix: string; pid: number } | undefined {
  const match = PREFIX_PATTERN.exec(name);
  if (!match) return undefined;
  return { prefix: `smh-${match[1]}-${match[2]}`, pid: Number(match[1]) };
}

/** Whether a process with `pid` exists (a reused pid reads as alive: then the leftover waits). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Names inside a run: the switch's namespace and each host's. */
export const switchNamespace = (prefix: string): string => `${prefix}-switch`;
export const hostNamespace = (prefix: string, host: string): string => `${prefix}-${host}`;
/** The root namespace's end of the uplink (the test process's port on the switch). */
export const uplinkName = (prefix: string): string => prefix;
/** The switch's port for host number `index`, and the bridge: names inside the switch namespace. */
export const switchPort = (index: number): string => `port${index}`;
export const BRIDGE = 'br0';
/** The host's end of its cable, inside its namespace. */
export const HOST_INTERFACE = 'eth0';
