import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Registry, ShardInstance } from './registry.js';

/**
 * Test support, used only by the tests. Waits are on conditions a test can observe (a list a
 * watch delivered, a file's contents, a request that reached the agent), each with a deadline
 * whose failure says what never happened; no test waits a fixed time and hopes.
 */

export interface PollOptions {
  /** @default 10000 */
  readonly timeoutMs?: number;
  /** Pause between probes. @default 10 */
  readonly intervalMs?: number;
  /** What is awaited, for the failure message ("a heartbeat of a after its TTL"). */
  readonly what: string;
}

/**
 * Probes until `probe` returns something other than `undefined` or `false`, and returns it;
 * rejects after `timeoutMs` naming `what`. For state only reachable by asking (files, HTTP);
 * where something reports changes, wait on its events instead.
 */
export async function pollUntil<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  options: PollOptions,
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`${options.what}: not seen within ${timeoutMs} ms`);
    await sleep(options.intervalMs ?? 10);
  }
}

/**
 * `spawnRegistrant` registers an instance from a separate Node process, so a test can SIGKILL it
 * and watch the registry notice a shard that died without deregistering — no test-only hooks in
 * the registries themselves.
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
  const exited = once(child, 'exit');
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no 'registered' within ${timeoutMs} ms`)), timeoutMs);
      const onData = (chunk: string): void => {
        output += chunk;
        if (!output.includes('registered\n')) return;
        clearTimeout(timer);
        resolve();
      };
      child.stdout.setEncoding('utf8').on('data', onData);
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error('the registrant exited'));
      });
    });
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(
      `registrant process did not register (${(error as Error).message}); its output:\n${output}`,
    );
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
  /**
   * Resolves with the first list, from the latest delivered one on, for which `predicate` holds;
   * woken by each delivery, not by a timer. Rejects after `timeoutMs` with the last list.
   */
  until(
    predicate: (instances: readonly ShardInstance[]) => boolean,
    timeoutMs?: number,
  ): Promise<readonly ShardInstance[]>;
  close(): void;
}

export function recordWatch(registry: Registry): WatchRecorder {
  const calls: (readonly ShardInstance[])[] = [];
  const errors: Error[] = [];
  const waiters = new Set<() => void>();
  const wake = (): void => waiters.forEach((w) => w());
  const watch = registry.watch(
    (instances) => {
      calls.push(instances);
      wake();
    },
    (error) => {
      errors.push(error);
      wake();
    },
  );
  return {
    calls,
    errors,
    close: () => watch.close(),
    until(predicate, timeoutMs = 10_000) {
      // Start at the current list: earlier ones are history, not the registry's state.
      let seen = Math.max(0, calls.length - 1);
      return new Promise((resolve, reject) => {
        const done = (): void => {
          waiters.delete(check);
          clearTimeout(timer);
        };
        const check = (): void => {
          for (; seen < calls.length; seen++) {
            const call = calls[seen]!;
            if (predicate(call)) {
              done();
              resolve(call);
              return;
            }
          }
        };
        const timer = setTimeout(() => {
          done();
          const last = JSON.stringify(calls.at(-1)?.map((i) => i.id));
          const errorText = errors.map((e) => e.message).join('; ');
          reject(
            new Error(
              `watch never matched in ${timeoutMs} ms; last list ${last}; errors: ${errorText || 'none'}`,
            ),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}

export const ids = (instances: readonly ShardInstance[]): string[] => instances.map((i) => i.id).sort();

/** A TTL check update that reached the Consul agent through an `AgentRecorder`. */
export interface CheckUpdate {
  readonly checkId: string;
  readonly status: 'passing' | 'warning' | 'critical';
  /** When the agent answered it. */
  readonly atMs: number;
}

export interface AgentRecorder {
  readonly host: string;
  readonly port: number;
  /** Every TTL update the agent accepted (2xx), in order. */
  readonly updates: CheckUpdate[];
  close(): Promise<void>;
}

const CHECK_UPDATE = /^\/v1\/agent\/check\/(pass|warn|fail)\/([^?]+)/;
const STATUS_OF = { pass: 'passing', warn: 'warning', fail: 'critical' } as const;

/**
 * An HTTP proxy in front of a Consul agent that records the TTL updates passing through it, so a
 * test can wait for heartbeats to have reached the agent instead of waiting a while: a registry
 * pointed at the recorder talks to the real agent, and nothing in the registry knows.
 */
export async function startAgentRecorder(agent: { host: string; httpPort: number }): Promise<AgentRecorder> {
  const updates: CheckUpdate[] = [];
  const forward = (incoming: IncomingMessage, outgoing: ServerResponse): void => {
    const upstream = request(
      {
        host: agent.host,
        port: agent.httpPort,
        method: incoming.method,
        path: incoming.url,
        headers: incoming.headers,
      },
      (answer) => {
        const match = CHECK_UPDATE.exec(incoming.url ?? '');
        const status = answer.statusCode ?? 0;
        if (match && status >= 200 && status < 300) {
          updates.push({
            checkId: decodeURIComponent(match[2]!),
            status: STATUS_OF[match[1] as keyof typeof STATUS_OF],
            atMs: Date.now(),
          });
        }
        outgoing.writeHead(status, answer.headers);
        answer.pipe(outgoing);
      },
    );
    upstream.on('error', () => outgoing.destroy());
    // A closed watch aborts its blocking query: pass the abort on.
    outgoing.on('close', () => {
      if (!outgoing.writableFinished) upstream.destroy();
    });
    incoming.pipe(upstream);
  };
  const server = createServer(forward);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    host: '127.0.0.1',
    port: (server.address() as AddressInfo).port,
    updates,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
