import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { ConsulAgent } from './consul-agent.js';
import type { ConsulHostAgent } from './hosts/consul-host-agent.js';

/** What the placement keys and the shard registry say right now, read over Consul's HTTP API. */
export interface PlacementView {
  /** Live worker ids (their records under `shardmesh/placement/workers/`). */
  readonly workers: string[];
  /** Partition keys per worker id, from `shardmesh/placement/assignments/`. */
  readonly assignments: Map<string, string[]>;
  /** The leader lock's value, and whether a session holds it. */
  readonly leader: { router: string; held: boolean } | undefined;
  /** Passing shard registrations of `model`, as `instanceId-prefix → partition`. */
  readonly registered: { id: string; partition: string }[];
}

/**
 * Reads the view from a dev agent or from one agent of a cluster on simulated hosts (a server:
 * a client agent on a cut host would answer from a stale view, or not at all). Rejects if the
 * agent does not answer within 2 s.
 */
export async function readPlacement(
  consul: ConsulAgent | ConsulHostAgent,
  model: string,
): Promise<PlacementView> {
  const base = `${'httpUrl' in consul ? consul.httpUrl : `http://${consul.host}:${consul.httpPort}`}/v1`;
  const fetch = (url: string): Promise<Response> =>
    globalThis.fetch(url, { signal: AbortSignal.timeout(2_000) });
  const response = await fetch(`${base}/kv/shardmesh/placement/?recurse`);
  const entries = (response.status === 404 ? [] : await response.json()) as {
    Key: string;
    Value: string | null;
    Session?: string;
  }[];
  const text = (v: string | null): string => Buffer.from(v ?? '', 'base64').toString('utf8');
  const workers: string[] = [];
  const assignments = new Map<string, string[]>();
  let leader: PlacementView['leader'];
  for (const e of entries) {
    if (e.Key.startsWith('shardmesh/placement/workers/')) workers.push(e.Key.split('/').at(-1)!);
    else if (e.Key.startsWith('shardmesh/placement/assignments/'))
      assignments.set(
        e.Key.split('/').at(-1)!,
        (JSON.parse(text(e.Value)) as { partitions: string[] }).partitions,
      );
    else if (e.Key === 'shardmesh/placement/leader')
      leader = {
        router: (JSON.parse(text(e.Value)) as { router: string }).router,
        held: e.Session !== undefined,
      };
  }
  const health = (await (await fetch(`${base}/health/service/shardmesh-shard?passing=true`)).json()) as {
    Service: { ID: string; Meta: Record<string, string> };
  }[];
  const registered = health
    .filter((h) => h.Service.Meta['model'] === model)
    .map((h) => ({
      id: h.Service.ID,
      partition: `${h.Service.Meta['model']}/${h.Service.Meta['version']}/${h.Service.Meta['stage']}/${h.Service.Meta['partition']}`,
    }));
  return { workers: workers.sort(), assignments, leader, registered };
}

/** Workers per partition key, over live workers only. */
export function holdersOf(view: PlacementView): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [id, keys] of view.assignments)
    if (view.workers.includes(id)) for (const k of keys) out.set(k, [...(out.get(k) ?? []), id].sort());
  return out;
}

/** Polls `check` every 100 ms; resolves with the milliseconds it took, fails after `timeoutMs`. */
export async function within(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 30_000,
): Promise<number> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) assert.fail(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return Date.now() - start;
}

/** A process's resident memory in KiB (Linux). */
export async function rssKiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? NaN);
}

/** The JSON log lines of a child's log file with message `msg`. */
export async function logLines(file: string, msg: string): Promise<Record<string, unknown>[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l['msg'] === msg);
}
