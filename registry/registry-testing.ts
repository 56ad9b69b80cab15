import { spawn } from 'node:child_process';
import { once } from 'node:events';
import type { Registry, ShardInstance } from './registry.js';

/**
 * Test support, used only by the tests. `spawnRegistrant` registers an instance from a separate Node process, so a test can SIGKILL it and
 * watch the registry notice a shard that died without deregistering — no test-only hooks in the
 * registries themselves.
 */

const CHILD_SCRIPT = `
const [moduleUrl, registryUrl, instanceJson, ttlMs] = process.argv.slice(1);
const { openRegistry } = await import(moduleUrl);
const registry = openRegistry(registryUrl, { onError: (e) => process.stderr.write(e.message + '\\n') });
await registry.register(JSON.parse(instanceJson), { ttlMs: Number(ttlMs) });
process.stdout.write('registered\\n');
setInterval(() => {}, 1 << 30);
`;

export interface Registrant {
  readonly pid: number;
  /** SIGKILL: no deregistration, no last heartbeat. Resolves once the process is gone. */
  kill(): Promise<void>;
}

export async function spawnRegistrant(
  registryUrl: string,
  instance: ShardInstance,
  ttlMs: number,
  timeoutMs = 10_000,
): Promise<Registrant> {
  const moduleUrl = new URL('./open-registry.js', import.meta.url).href;
  const child = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      CHILD_SCRIPT,
      moduleUrl,
      registryUrl,
      JSON.stringify(instance),
      String(ttlMs),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = once(child, 'exit');
  const deadline = Date.now() + timeoutMs;
  while (!output.includes('registered\n')) {
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`registrant process did not register; its output:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    pid: child.pid ?? -1,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Every list a watch delivered, and a way to wait for one that satisfies a test's condition. */
export interface WatchRecorder {
  readonly calls: (readonly ShardInstance[])[];
  readonly errors: Error[];
  /** Resolves with the first list, from the latest delivered one on, for which `predicate` holds. */
  until(
    predicate: (instances: readonly ShardInstance[]) => boolean,
    timeoutMs?: number,
  ): Promise<readonly ShardInstance[]>;
  close(): void;
}

export function recordWatch(registry: Registry): WatchRecorder {
  const calls: (readonly ShardInstance[])[] = [];
  const errors: Error[] = [];
  const watch = registry.watch(
    (instances) => calls.push(instances),
    (error) => errors.push(error),
  );
  return {
    calls,
    errors,
    close: () => watch.close(),
    async until(predicate, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      // Start at the current list: earlier ones are history, not the registry's state.
      for (let seen = Math.max(0, calls.length - 1); ;) {
        for (; seen < calls.length; seen++) {
          const call = calls[seen];
          if (call !== undefined && predicate(call)) return call;
        }
        if (Date.now() > deadline) {
          const last = JSON.stringify(calls.at(-1)?.map((i) => i.id));
          const errorText = errors.map((e) => e.message).join('; ');
          throw new Error(
            `watch never matched in ${timeoutMs} ms; last list ${last}; errors: ${errorText || 'none'}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
  };
}

export const ids = (instances: readonly ShardInstance[]): string[] => instances.map((i) => i.id).sort();
