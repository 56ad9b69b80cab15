import type { ConsulClient } from '../../registry/consul-client.js';
import { keepSession, type KeptSession } from '../../registry/consul-session.js';
import { watchKeysUnder } from '../../registry/kv-prefix-watch.js';
import { decodeRepository, type KvEntry, type PublishedVersion } from '../../registry/model-kv-layout.js';
import {
  assignmentKey,
  decodePlacement,
  decodeReplicasUnder,
  encodeAssignment,
  leaderKey,
} from '../../registry/placement-kv-layout.js';
import type { Watch } from '../../registry/registry.js';
import type { Logger } from '../../lib/log.js';
import { placePartitions } from './place-partitions.js';
import { wantedPartitions } from './wanted-partitions.js';

export interface PlacementLeaderOptions {
  /** This router's name, written into the lock's value for operators. */
  readonly name: string;
  readonly modelsPrefix: string;
  readonly placementPrefix: string;
  /**
   * TTL of the router's session: a leader that dies loses the lock within this (Consul may take up
   * to twice as long), then another router takes it. @default 10000 (Consul's minimum by default)
   */
  readonly sessionTtlMs?: number;
  /** How long after a leader's session ends before another may take the lock. @default 1000 */
  readonly lockDelayMs?: number;
  /** How often a router that is not leader tries to take the lock. @default 1000 */
  readonly acquireEveryMs?: number;
  /** Blocking query wait (tests shorten it). @default 30000 */
  readonly waitMs?: number;
}

export interface PlacementLeader {
  isLeader(): boolean;
  /** Stops trying, and gives up the lock (destroying the session) if held. */
  close(): Promise<void>;
}

type Client = Pick<
  ConsulClient,
  'keysUnder' | 'writeIfHolding' | 'acquireKey' | 'createSession' | 'renewSession' | 'destroySession'
>;

/** Assignment writes per Consul transaction: its 64-operation limit, less the lock check. */
const TXN_WRITES = 63;

/**
 * Every router runs this; the one holding `<placement>leader` (a Consul session lock) places. It
 * watches the model repository (versions, desired states, replicas) and the placement keys
 * (workers, assignments, the lock), and after every change recomputes the placement
 * (place-partitions.ts) and writes the assignment keys that differ. Writes are idempotent, so a
 * change seen twice, or by a new leader, rewrites nothing that is right.
 */
export function startPlacementLeader(
  client: Client,
  options: PlacementLeaderOptions,
  log: Logger,
): PlacementLeader {
  const o = { sessionTtlMs: 10_000, lockDelayMs: 1_000, acquireEveryMs: 1_000, waitMs: 30_000, ...options };
  let session: string | undefined;
  let leading = false;
  // Undefined until first read: placing against an unread repository would unassign everything.
  let versions: readonly PublishedVersion[] | undefined;
  let replicas = new Map<string, number>();
  let placement: KvEntry[] | undefined;
  /**
   * What this leader wrote (null: deleted), which is the truth until the watch catches up with it:
   * placing from the stale view instead moves replicas it has just placed. Cleared on taking the lock.
   */
  let written = new Map<string, string[] | null>();
  let reconciling: Promise<void> | undefined;
  let again = false;
  const warn = (error: Error): void => log.warn({ err: error.message }, 'placement problem');

  const tryAcquire = async (): Promise<void> => {
    if (session === undefined || leading) return;
    const value = JSON.stringify({ router: o.name, since: new Date().toISOString() });
    if (await client.acquireKey(leaderKey(o.placementPrefix), value, session)) {
      leading = true;
      written = new Map();
      log.info({ router: o.name }, 'placement leader: this router holds the lock');
      reconcile();
    }
  };
  const kept: KeptSession = keepSession(
    client,
    {
      name: `shardmesh-router ${o.name}`,
      ttlMs: o.sessionTtlMs,
      lockDelayMs: o.lockDelayMs,
      behavior: 'release',
    },
    async (id) => {
      session = id;
      leading = false;
      await tryAcquire();
    },
    warn,
  );
  const timer = setInterval(() => void tryAcquire().catch(warn), o.acquireEveryMs);
  timer.unref();

  const reconcile = (): void => {
    if (reconciling) {
      again = true;
      return;
    }
    reconciling = place()
      .catch(warn)
      .finally(() => {
        reconciling = undefined;
        if (again) {
          again = false;
          reconcile();
        }
      });
  };

  const place = async (): Promise<void> => {
    if (!leading || placement === undefined || versions === undefined) return;
    const decoded = decodePlacement(o.placementPrefix, placement);
    for (const problem of decoded.problems) warn(problem);
    const { workers } = decoded;
    const assignments = new Map(decoded.assignments);
    for (const [id, keys] of written)
      if (keys === null) assignments.delete(id);
      else assignments.set(id, keys);
    const result = placePartitions(workers, wantedPartitions(versions, replicas), assignments);
    const writes: { id: string; keys: string[] | null; before: string[] | undefined }[] = [];
    for (const [id, keys] of result.assignments) {
      const before = assignments.get(id);
      if (before === undefined || encodeAssignment(before) !== encodeAssignment(keys))
        writes.push({ id, keys, before });
    }
    for (const [id, before] of assignments)
      if (!result.assignments.has(id)) writes.push({ id, keys: null, before });
    // Fenced by the lock: if another router has taken it meanwhile, none of this is written.
    for (let i = 0; i < writes.length; i += TXN_WRITES) {
      const chunk = writes.slice(i, i + TXN_WRITES);
      const held = await client.writeIfHolding(
        { key: leaderKey(o.placementPrefix), session: session! },
        chunk.map((w) => ({
          key: assignmentKey(o.placementPrefix, w.id),
          value: w.keys === null ? null : encodeAssignment(w.keys),
        })),
      );
      if (!held) {
        leading = false;
        log.warn({ router: o.name }, 'placement leader: lock lost; assignments left to the new leader');
        return;
      }
      for (const w of chunk) {
        written.set(w.id, w.keys);
        log.info(
          { worker: w.id, partitions: w.keys ?? [], before: w.before ?? [] },
          w.keys === null ? 'placement: worker gone, its assignment removed' : 'placement assigned',
        );
      }
    }
    // With no generic worker at all, the mesh runs on `--serve` shards: nothing to warn about.
    if (result.unplaced.length > 0 && workers.length > 0)
      log.warn({ unplaced: result.unplaced }, 'placement: not enough worker capacity');
  };

  const watches: Watch[] = [
    watchKeysUnder(
      client,
      o.modelsPrefix,
      (entries) => {
        const decoded = decodeRepository(o.modelsPrefix, entries);
        const counted = decodeReplicasUnder(entries, o.modelsPrefix);
        for (const problem of [...decoded.problems, ...counted.problems]) warn(problem);
        versions = decoded.versions;
        replicas = counted.replicas;
        reconcile();
      },
      warn,
      { waitMs: o.waitMs },
    ),
    watchKeysUnder(
      client,
      o.placementPrefix,
      (entries) => {
        placement = [...entries];
        const lock = entries.find((e) => e.Key === leaderKey(o.placementPrefix));
        if (leading && (lock === undefined || lock.Session !== session)) {
          leading = false;
          log.warn({ router: o.name }, 'placement leader: lock lost');
        }
        reconcile();
      },
      warn,
      { waitMs: o.waitMs },
    ),
  ];

  return {
    isLeader: () => leading,
    async close() {
      clearInterval(timer);
      for (const watch of watches) watch.close();
      await reconciling;
      await kept.close();
      leading = false;
    },
  };
}
