import { startChildService, type ChildService } from '../../../cli/child-service.js';
import type { ConsulHostAgent } from './consul-host-agent.js';
import { hostCertsDir } from './host-certificates.js';
import { hostModelsDir } from './host-models.js';

/** The Open Inference Protocol's usual port: each host has its own stack, so routers take it. */
export const ROUTER_PORT = 8001;

export interface HostServiceOptions {
  /** The host's Consul agent: the process registers or watches through it, on the host's loopback. */
  readonly agent: ConsulHostAgent;
  /** Certificate name in the host's store. */
  readonly name: string;
  /** Extra command-line options. @default [] */
  readonly args?: readonly string[];
  /** Extra environment (e.g. SHARDMESH_LOG_LEVEL). @default {} */
  readonly env?: Readonly<Record<string, string>>;
  /** @default 60000 */
  readonly readyTimeoutMs?: number;
}

/**
 * `shardmesh shard` on the agent's host: listening on the host's address (which it also writes to
 * the registry: that is what the router dials; with `listenOnAllInterfaces`, it listens on
 * 0.0.0.0 as in a container and advertises the host's address), with the host's own models and certificates,
 * registered through the host's own Consul agent. Logs are piped: tap them with ChildLogs.
 */
export function startShardOnHost(
  o: HostServiceOptions & {
    readonly serve: readonly string[];
    /** Listen on 0.0.0.0 and `--advertise-address` the host's address. @default false */
    readonly listenOnAllInterfaces?: boolean;
  },
): Promise<ChildService> {
  return startChildService(
    o.name,
    [
      'shard',
      ...hostCommon(o),
      '--models',
      hostModelsDir(o.agent.host),
      ...o.serve.flatMap((s) => ['--serve', s]),
      ...(o.args ?? []),
    ],
    start(o),
  );
}

/**
 * `shardmesh router` on the agent's host, on the host's address at ROUTER_PORT, dev policy; no
 * `--models`: it reads plans from Consul KV (docs/model-repository.md).
 */
export function startRouterOnHost(o: HostServiceOptions): Promise<ChildService> {
  return startChildService(
    o.name,
    ['router', ...hostCommon(o), '--port', String(ROUTER_PORT), '--dev-policy', ...(o.args ?? [])],
    start(o),
  );
}

function hostCommon(o: HostServiceOptions & { readonly listenOnAllInterfaces?: boolean }): string[] {
  const { host } = o.agent;
  const listen = o.listenOnAllInterfaces
    ? ['--host', '0.0.0.0', '--advertise-address', host.address]
    : ['--host', host.address];
  return ['--name', o.name, ...listen, '--registry', o.agent.localRegistryUrl, '--certs', hostCertsDir(host)];
}

function start(o: HostServiceOptions): Parameters<typeof startChildService>[2] {
  return {
    launcher: o.agent.host.launcher,
    logs: 'pipe',
    env: { ...process.env, SHARDMESH_LOG_LEVEL: 'info', ...o.env },
    readyTimeoutMs: o.readyTimeoutMs ?? 60_000,
  };
}
