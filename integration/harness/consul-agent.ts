import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Starts a real `consul agent -dev` on loopback for integration tests: every port it would open
 * is either a fresh free port or disabled, so tests run in parallel with each other and with a
 * Consul already on the machine. Dev mode keeps its state in memory, so nothing needs cleaning up
 * beyond the process.
 */

export interface ConsulAgent {
  readonly host: string;
  readonly httpPort: number;
  /** The registry URL for `openRegistry`. */
  readonly url: string;
  /** Every port it took: pass them to `startConsulAgent` to restart it where clients expect it. */
  readonly ports: ConsulPorts;
  /** SIGTERM, then SIGKILL after 3 s; resolves once the process has exited. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartConsulAgentOptions {
  /** @default `<repo>/.tools/bin/consul`, as `scripts/bootstrap.sh` builds it */
  readonly binary?: string;
  /** How long to wait for a leader. @default 30000 */
  readonly readyTimeoutMs?: number;
  /** Ports to bind, e.g. a stopped agent's, to restart it. @default fresh free ports */
  readonly ports?: ConsulPorts;
  /**
   * Lowest session TTL the agent accepts (`session_ttl_min`), so placement tests can use
   * sessions of a second or two. @default Consul's own, 10s
   */
  readonly sessionTtlMin?: string;
}

export interface ConsulPorts {
  readonly http: number;
  readonly serfLan: number;
  readonly serfWan: number;
  readonly server: number;
}

const HOST = '127.0.0.1';
const OUTPUT_TAIL_CHARS = 4000;

/** The repository root: the nearest folder above this file that holds `package.json`. */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
  return dir;
}

export const defaultConsulBinary = (): string => join(repoRoot(), '.tools', 'bin', 'consul');

/** A port free right now (the agent binds it moments later; a clash shows up as an early exit). */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, HOST);
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('could not read a free port');
  return address.port;
}

export async function startConsulAgent(options: StartConsulAgentOptions = {}): Promise<ConsulAgent> {
  const binary = options.binary ?? defaultConsulBinary();
  if (!existsSync(binary)) {
    throw new Error(
      `Consul binary not found at ${binary}; run \`bash scripts/bootstrap.sh\` (or \`npm test\`) first`,
    );
  }
  const ports = options.ports ?? {
    http: await freePort(),
    serfLan: await freePort(),
    serfWan: await freePort(),
    server: await freePort(),
  };
  const { http: httpPort, serfLan, serfWan, server } = ports;
  // Dev mode would take 8502 (gRPC), 8503 (gRPC TLS, from 1.14) and 8600 (DNS): turn them off.
  const args = ['agent', '-dev', '-bind', HOST, '-client', HOST, '-http-port', String(httpPort)];
  args.push('-grpc-port', '-1', '-dns-port', '-1', '-serf-lan-port', String(serfLan));
  args.push('-serf-wan-port', String(serfWan), '-server-port', String(server), '-grpc-tls-port', '-1');
  args.push('-log-level', 'warn');
  if (options.sessionTtlMin !== undefined) args.push('-hcl', `session_ttl_min = "${options.sessionTtlMin}"`);
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: string) => (output = (output + chunk).slice(-OUTPUT_TAIL_CHARS));
  child.stdout?.setEncoding('utf8').on('data', keep);
  child.stderr?.setEncoding('utf8').on('data', keep);
  const exited = once(child, 'exit');
  // If the test process dies without calling stop(), do not leave an agent behind.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      process.removeListener('exit', killOnExit);
      await terminate(child, exited);
    })();
    return stopping;
  };

  try {
    await waitForLeader(httpPort, child, options.readyTimeoutMs ?? 30_000);
  } catch (error) {
    await stop();
    throw new Error(
      `${(error as Error).message}\nconsul ${args.join(' ')}\n--- agent output (tail) ---\n${output}`,
    );
  }
  return { host: HOST, httpPort, url: `consul://${HOST}:${httpPort}`, ports, stop };
}

/** Ready means a leader is elected: before that, registrations and health queries fail. */
async function waitForLeader(httpPort: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`consul agent exited early (${child.exitCode ?? child.signalCode})`);
    }
    try {
      const response = await fetch(`http://${HOST}:${httpPort}/v1/status/leader`, {
        signal: AbortSignal.timeout(1000),
      });
      const leader: unknown = await response.json();
      if (response.ok && typeof leader === 'string' && leader !== '') return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`consul agent on port ${httpPort} elected no leader within ${timeoutMs} ms`);
}

async function terminate(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}
