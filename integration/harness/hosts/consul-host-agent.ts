import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { defaultConsulBinary } from '../consul-agent.js';
import type { SimulatedHost } from './simulated-host.js';

/** Consul's usual HTTP port: each host has its own network stack, so every agent can take it. */
export const CONSUL_HTTP_PORT = 8500;
const OUTPUT_TAIL_CHARS = 4000;

export interface ConsulHostAgentOptions {
  readonly host: SimulatedHost;
  /** A server (votes in Raft) or a client agent (forwards to the servers). */
  readonly server: boolean;
  /** The servers' addresses, to join (retried every second until one answers). */
  readonly join: readonly string[];
  /** Servers to wait for before the first election. @default 3 */
  readonly bootstrapExpect?: number;
  /** @default `<repo>/.tools/bin/consul` */
  readonly binary?: string;
}

/** A Consul agent running on a simulated host, with its state in the host's folder. */
export interface ConsulHostAgent {
  readonly host: SimulatedHost;
  readonly nodeName: string;
  readonly server: boolean;
  /** For the test process (on the uplink): the agent's HTTP API at the host's address. */
  readonly httpUrl: string;
  /** For processes on the same host: the agent on that host's loopback, as `--registry` takes it. */
  readonly localRegistryUrl: string;
  readonly process: ChildProcess;
  readonly exited: Promise<unknown>;
  /** The agent's last output lines, for a failure message. */
  output(): string;
  /** SIGTERM, SIGKILL after 3 s; resolves once it has exited. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * The agent's configuration: what makes a cluster on simulated hosts converge and notice faults in
 * seconds rather than Consul's production minutes.
 * - `retry_interval` 1 s: the default 30 s once made a join wait 31 s for a server still starting.
 * - `raft_multiplier` 1: Raft's tightest timing (production default 5), so an election after the
 *   leader dies takes about a second; fine on a LAN with no real latency.
 * - gossip probes every 500 ms: a host cut off is suspected within a second and declared failed
 *   (its serfHealth check critical, so every service on it stops passing) within a few.
 * - autopilot removes a dead server from the Raft configuration (`cleanup_dead_servers`, on by
 *   default): after a server dies the cluster runs with two voters. Production wants
 *   `min_quorum = 3` so cleanup never shrinks below three; here a shrunken cluster is fine.
 * - `session_ttl_min` 1 s (Consul's default minimum is 10 s): placement tests give routers and
 *   workers 2 s sessions, so a dead placement leader is replaced in seconds.
 */
export function consulAgentConfig(o: ConsulHostAgentOptions, dataDir: string): Record<string, unknown> {
  return {
    node_name: o.host.name,
    datacenter: 'dc1',
    data_dir: dataDir,
    server: o.server,
    ...(o.server ? { bootstrap_expect: o.bootstrapExpect ?? 3 } : {}),
    bind_addr: o.host.address,
    advertise_addr: o.host.address,
    // Loopback for the host's own processes, the host's address for the test process.
    client_addr: `127.0.0.1 ${o.host.address}`,
    retry_join: o.join,
    retry_interval: '1s',
    session_ttl_min: '1s',
    performance: { raft_multiplier: 1 },
    gossip_lan: {
      probe_interval: '500ms',
      probe_timeout: '400ms',
      suspicion_mult: 4,
      gossip_interval: '100ms',
    },
    autopilot: { cleanup_dead_servers: true, last_contact_threshold: '1s', server_stabilization_time: '2s' },
    // Only HTTP and the LAN: no DNS, no gRPC (xDS), no WAN federation.
    ports: { http: CONSUL_HTTP_PORT, dns: -1, grpc: -1, grpc_tls: -1, ...(o.server ? { serf_wan: -1 } : {}) },
    ui_config: { enabled: false },
    disable_update_check: true,
    log_level: 'warn',
  };
}

/** Writes the host's agent configuration and starts the agent on the host; does not wait for it. */
export async function startConsulHostAgent(o: ConsulHostAgentOptions): Promise<ConsulHostAgent> {
  const dir = path.join(o.host.dir, 'consul');
  const dataDir = path.join(dir, 'data');
  await mkdir(dataDir, { recursive: true });
  const configFile = path.join(dir, 'agent.json');
  await writeFile(configFile, JSON.stringify(consulAgentConfig(o, dataDir), null, 2));
  const child = o.host.spawn(o.binary ?? defaultConsulBinary(), ['agent', '-config-file', configFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: string): void => void (output = (output + chunk).slice(-OUTPUT_TAIL_CHARS));
  child.stdout?.setEncoding('utf8').on('data', keep);
  child.stderr?.setEncoding('utf8').on('data', keep);
  const exited = once(child, 'exit');
  // If the test process dies without stopping it, the agent goes too (else `removeStaleNetworks` must).
  const killOnExit = (): boolean => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let stopping: Promise<void> | undefined;
  return {
    host: o.host,
    nodeName: o.host.name,
    server: o.server,
    httpUrl: `http://${o.host.address}:${CONSUL_HTTP_PORT}`,
    localRegistryUrl: `consul://127.0.0.1:${CONSUL_HTTP_PORT}`,
    process: child,
    exited,
    output: () => output,
    stop: () =>
      (stopping ??= (async () => {
        process.removeListener('exit', killOnExit);
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
        await exited;
        clearTimeout(timer);
      })()),
  };
}
