import { startConsulHostAgent, type ConsulHostAgent } from './consul-host-agent.js';
import type { SimulatedHost } from './simulated-host.js';

export interface ConsulClusterOptions {
  /** Hosts that run a Consul server (three for a quorum that survives one loss). */
  readonly servers: readonly SimulatedHost[];
  /** Hosts that run a client agent, for the processes on them to register through. */
  readonly clients: readonly SimulatedHost[];
  /** How long the servers may take to elect a leader and every agent to be seen alive. @default 60000 */
  readonly readyTimeoutMs?: number;
}

/** Serf's member status: 1 alive, 2 leaving, 3 left, 4 failed. */
const ALIVE = 1;
const POLL_MS = 100;

/** A Consul datacenter across simulated hosts: servers, and a client agent on each other host. */
export class ConsulCluster {
  private constructor(
    readonly servers: readonly ConsulHostAgent[],
    readonly clients: readonly ConsulHostAgent[],
  ) {}

  /**
   * Starts every agent and resolves once the cluster is ready: a leader elected and every agent
   * alive in the servers' view. If it is not ready in time, stops what started and says which
   * agents were missing, with each agent's last output.
   */
  static async start(o: ConsulClusterOptions): Promise<ConsulCluster> {
    const join = o.servers.map((h) => h.address);
    const agents: ConsulHostAgent[] = [];
    try {
      for (const host of o.servers)
        agents.push(
          await startConsulHostAgent({ host, server: true, join, bootstrapExpect: o.servers.length }),
        );
      for (const host of o.clients) agents.push(await startConsulHostAgent({ host, server: false, join }));
      const ready = new ConsulCluster(
        agents.filter((a) => a.server),
        agents.filter((a) => !a.server),
      );
      await ready.waitUntilReady(o.readyTimeoutMs ?? 60_000);
      return ready;
    } catch (error) {
      const tails = agents.map((a) => `--- ${a.nodeName} ---\n${a.output()}`).join('\n');
      await Promise.all(agents.map((a) => a.stop()));
      throw new Error(`${(error as Error).message}\n${tails}`, { cause: error });
    }
  }

  get agents(): readonly ConsulHostAgent[] {
    return [...this.servers, ...this.clients];
  }

  /** The agent on `host`. */
  agentOn(host: SimulatedHost): ConsulHostAgent {
    const agent = this.agents.find((a) => a.host === host);
    if (!agent) throw new Error(`no Consul agent on ${host.name}`);
    return agent;
  }

  /** Servers whose process still runs. */
  runningServers(): ConsulHostAgent[] {
    return this.servers.filter((s) => s.process.exitCode === null && s.process.signalCode === null);
  }

  /** The leader as `agent` sees it (undefined while there is none or it cannot be asked). */
  async leaderSeenBy(agent: ConsulHostAgent): Promise<ConsulHostAgent | undefined> {
    const said = await getJson<string>(agent, '/v1/status/leader');
    if (typeof said !== 'string' || said === '') return undefined;
    const address = said.slice(0, said.lastIndexOf(':'));
    return this.servers.find((s) => s.host.address === address);
  }

  /** The current leader, asked of the running servers in turn. */
  async leader(): Promise<ConsulHostAgent | undefined> {
    for (const s of this.runningServers()) {
      const leader = await this.leaderSeenBy(s);
      if (leader) return leader;
    }
    return undefined;
  }

  /** Serf members with their status, as a running server sees them. */
  async members(): Promise<Map<string, number>> {
    for (const s of this.runningServers()) {
      const list = await getJson<{ Name: string; Status: number }[]>(s, '/v1/agent/members');
      if (Array.isArray(list)) return new Map(list.map((m) => [m.Name, m.Status]));
    }
    return new Map();
  }

  /** Resolves once a leader is elected and every running agent is alive in the servers' view. */
  async waitUntilReady(timeoutMs: number): Promise<void> {
    let missing: string[] = [];
    await pollUntil(`a Consul leader and every agent alive`, timeoutMs, async () => {
      if (!(await this.leader())) {
        missing = ['(no leader)'];
        return false;
      }
      const members = await this.members();
      const expected = this.agents.filter(
        (a) => a.process.exitCode === null && a.process.signalCode === null,
      );
      missing = expected.filter((a) => members.get(a.nodeName) !== ALIVE).map((a) => a.nodeName);
      return missing.length === 0;
    }).catch((error: Error) => {
      throw new Error(`${error.message}; not alive: ${missing.join(', ')}`, { cause: error });
    });
  }

  /**
   * Asks `agent` to join the servers now. A host whose link came back is not rejoined by Consul
   * for up to 30 s (Serf retries failed members on a fixed interval Consul does not expose), which
   * is what an operator's `consul join` cuts short. Right after the link comes back a join can
   * still fail (CI once saw every server refuse), so it is asked again, server by server, for up
   * to `timeoutMs`.
   */
  async rejoin(agent: ConsulHostAgent, timeoutMs = 20_000): Promise<void> {
    let last = 'no running server';
    const asked = async (): Promise<boolean> => {
      for (const server of this.runningServers()) {
        const response = await fetch(`${agent.httpUrl}/v1/agent/join/${server.host.address}`, {
          method: 'PUT',
          signal: AbortSignal.timeout(5_000),
        }).catch((error: Error) => error);
        if (response instanceof Response && response.ok) return true;
        last = `${server.nodeName}: ${response instanceof Response ? `HTTP ${response.status} ${await response.text()}` : response.message}`;
      }
      return false;
    };
    await pollUntil(`${agent.nodeName} joining a running Consul server`, timeoutMs, asked).catch(
      (error: Error) => {
        throw new Error(`${error.message}; last answer: ${last}`, { cause: error });
      },
    );
  }

  /** Stops every agent, clients first (so the servers see them leave). */
  async stop(): Promise<void> {
    await Promise.all(this.clients.map((a) => a.stop()));
    await Promise.all(this.servers.map((a) => a.stop()));
  }
}

/** GET `path` on `agent`'s HTTP API; undefined if it does not answer within a second. */
export async function getJson<T>(agent: ConsulHostAgent, path: string): Promise<T | undefined> {
  try {
    const response = await fetch(`${agent.httpUrl}${path}`, { signal: AbortSignal.timeout(1_000) });
    return response.ok ? ((await response.json()) as T) : undefined;
  } catch {
    return undefined;
  }
}

/** Polls `check` every 100 ms until it holds; rejects naming `what` after `timeoutMs`. */
export async function pollUntil(
  what: string,
  timeoutMs: number,
  check: () => Promise<boolean>,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
