import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { PARENT_WATCH_ENV } from './parent-watch.js';
import { CLI_ENTRY } from './paths.js';

export type ChildLogs = 'inherit' | 'ignore' | 'pipe' | { readonly file: string };

/** A `shardmesh router` or `shardmesh shard` child process, started from the same build. */
export interface ChildService {
  readonly name: string;
  readonly process: ChildProcess;
  /** Port from the child's `listening` line. */
  readonly port: number;
  /** Metrics port from the `listening` line; undefined when the child serves none. */
  readonly metricsPort?: number;
  readonly instanceId?: string;
  /** Resolves with the exit code (or signal) once the process is gone. */
  readonly exited: Promise<number | NodeJS.Signals>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it is gone. */
  stop(graceMs?: number): Promise<number | NodeJS.Signals>;
}

export interface StartOptions {
  /** How long to wait for the `listening` line. @default 60000 */
  readonly readyTimeoutMs?: number;
  /**
   * Where the child's log lines go: this process's stderr, nowhere, a pipe, or a file (created or
   * emptied at start). @default inherit
   */
  readonly logs?: ChildLogs;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /**
   * A command that runs the child for us and then execs it, e.g. `['ip', 'netns', 'exec', NS]` to
   * start it in a network namespace. It must exec (not fork), so the pid and signals are the
   * child's own. @default [] (spawn node directly)
   */
  readonly launcher?: readonly string[];
}

/**
 * Spawns `node dist/cli/main.js ARGS...` and waits for its one-line JSON `listening` event on
 * stdout. Fails with the exit status if the child dies first, so a misconfigured child surfaces
 * as an error rather than a hang.
 */
export function startChildService(
  name: string,
  args: readonly string[],
  options: StartOptions = {},
): Promise<ChildService> {
  // stdin is a pipe we never write to: the child stops when it closes, i.e. when this process
  // exits however it exits (cli/parent-watch.ts). The child stays in our process group, so a signal
  // to the group (Ctrl-C in a terminal) reaches it too.
  const logs = options.logs ?? 'inherit';
  // The child writes to its own copy of the descriptor, so ours closes once it is spawned.
  const logFd = typeof logs === 'object' ? openSync(logs.file, 'w') : undefined;
  const [command, ...launcherArgs] = [...(options.launcher ?? []), process.execPath];
  let child: ChildProcess;
  try {
    child = spawn(command!, [...launcherArgs, CLI_ENTRY, ...args], {
      cwd: options.cwd,
      env: { ...(options.env ?? process.env), [PARENT_WATCH_ENV]: 'stdin' },
      stdio: ['pipe', 'pipe', logFd ?? (logs as 'inherit' | 'ignore' | 'pipe')],
    });
  } finally {
    if (logFd !== undefined) closeSync(logFd);
  }
  const exited = new Promise<number | NodeJS.Signals>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? code ?? 0)),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not report listening within ${options.readyTimeoutMs ?? 60_000} ms`));
    }, options.readyTimeoutMs ?? 60_000);
    void exited.then((status) => {
      clearTimeout(timer);
      const where = typeof logs === 'object' ? `in ${logs.file}` : 'above';
      reject(new Error(`${name} exited (${status}) before listening; its log is ${where}`));
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let event: { event?: string; port?: number; metricsPort?: number; instanceId?: string };
      try {
        event = JSON.parse(line) as typeof event;
      } catch {
        return;
      }
      if (event.event !== 'listening' || typeof event.port !== 'number') return;
      clearTimeout(timer);
      const stop = (graceMs = 35_000): Promise<number | NodeJS.Signals> => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
          void exited.then(() => clearTimeout(kill));
        }
        return exited;
      };
      resolve({
        name,
        process: child,
        port: event.port,
        ...(event.instanceId ? { instanceId: event.instanceId } : {}),
        ...(typeof event.metricsPort === 'number' ? { metricsPort: event.metricsPort } : {}),
        exited,
        stop,
      });
    });
  });
}
