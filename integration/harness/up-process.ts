import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readdir, readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { CLI_ENTRY } from '../../cli/paths.js';

/** `shardmesh up` as a user runs it: a real process of this build, in the test's own folder. */

const READY_TIMEOUT_MS = 180_000;

export interface Up {
  readonly process: ChildProcess;
  readonly address: string;
  readonly exited: Promise<[number | null, NodeJS.Signals | null]>;
  /** What it printed so far. */
  readonly stdout: () => string;
  readonly stderr: () => string;
}

/** Starts `shardmesh up` in `cwd` (with `env` added to this process's) and resolves at its `ready` line. */
export async function startUp(
  cwd: string,
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
): Promise<Up> {
  const child = spawnUp(cwd, args, env);
  const ready = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no ready line in ${READY_TIMEOUT_MS} ms`)),
      READY_TIMEOUT_MS,
    );
    void child.exited.then(([code, signal]) => {
      clearTimeout(timer);
      reject(new Error(`shardmesh up exited (${code ?? signal}) before ready:\n${child.stderr()}`));
    });
    createInterface({ input: child.process.stdout! }).on('line', (line) => {
      const match = /^ready {2}router (\S+) {2}registry (\S+) {2}shards (\d+)$/.exec(line);
      if (!match) return;
      clearTimeout(timer);
      resolve(match[1]!);
    });
  });
  try {
    return { ...child, address: await ready };
  } catch (error) {
    child.process.kill('SIGKILL');
    throw error;
  }
}

/** Spawns `shardmesh up` in `cwd`, keeping what it prints, without waiting for anything. */
export function spawnUp(
  cwd: string,
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
): Omit<Up, 'address'> {
  const child = spawn(process.execPath, [CLI_ENTRY, 'up', ...args], {
    cwd,
    env: { ...process.env, SHARDMESH_LOG_LEVEL: process.env['SHARDMESH_LOG_LEVEL'] ?? 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  return { process: child, exited, stdout: () => stdout, stderr: () => stderr };
}

/** Live processes whose parent is `pid`, from /proc (Linux). */
export async function childrenOf(pid: number): Promise<{ pid: number; cmdline: string }[]> {
  const children: { pid: number; cmdline: string }[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // Field 4 is the parent pid; field 2, the command name, is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[1]) !== pid) continue;
    const cmdline = (await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).split('\0').join(' ');
    children.push({ pid: Number(entry), cmdline });
  }
  return children;
}

/** Whether a process with this pid exists and is not a zombie (an exited child nobody reaped yet). */
export async function alive(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  return stat !== undefined && stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
}

/** The pids of `pids` still alive after waiting up to `limitMs` for all of them to go. */
export async function stillAliveAfter(pids: readonly number[], limitMs: number): Promise<number[]> {
  for (let waited = 0; ; waited += 100) {
    const left: number[] = [];
    for (const pid of pids) if (await alive(pid)) left.push(pid);
    if (left.length === 0 || waited >= limitMs) return left;
    await sleep(100);
  }
}
