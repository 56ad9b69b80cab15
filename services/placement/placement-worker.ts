import type { ConsulClient } from '../../registry/consul-client.js';
import { keepSession, type KeptSession } from '../../registry/consul-session.js';
import { watchKeysUnder } from '../../registry/kv-prefix-watch.js';
import {
  assignmentKey,
  decodeAssignment,
  encodeWorker,
  workerKey,
  type WorkerRecord,
} from '../../registry/placement-kv-layout.js';
import type { Watch } from '../../registry/registry.js';
import type { Logger } from '../../lib/log.js';

/** What the worker loads and unloads: the shard's live partitions (services/shard/live-partitions.ts). */
export interface PartitionHost {
  /** Keys loaded (or loading) now. */
  keys(): readonly string[];
  /** Loads and registers a partition; rejects naming why (the key is retried later). */
  load(key: string): Promise<void>;
  /** Deregisters, lets calls in flight finish, then frees the partition's memory. */
  unload(key: string): Promise<void>;
}

export interface PlacementWorkerOptions {
  readonly worker: Omit<WorkerRecord, 'node'>;
  readonly placementPrefix: string;
  /**
   * TTL of the worker's session: a worker that dies loses its record within this (up to twice
   * as long; at once if its node fails serf health), and the leader reassigns its partitions.
   * @default 10000 (Consul's minimum by default)
   */
  readonly sessionTtlMs?: number;
  /** How soon a partition that failed to load is tried again. @default 2000 */
  readonly retryMs?: number;
  /** Blocking query wait (tests shorten it). @default 30000 */
  readonly waitMs?: number;
}

export interface PlacementWorker {
  /** Stops watching and ends the worker's session (its record vanishes); partitions stay loaded. */
  close(): Promise<void>;
}

type Client = Pick<
  ConsulClient,
  'keysUnder' | 'acquireKey' | 'createSession' | 'renewSession' | 'destroySession' | 'nodeName'
>;

/**
 * A generic worker's side of placement: announces itself under `<placement>workers/<id>` with a
 * session that deletes the record when the worker dies, watches `<placement>assignments/<id>`, and
 * makes the host's loaded partitions match it: removed ones are unloaded (after draining), new
 * ones loaded. One change is applied at a time, unloads first so memory is freed before it is used.
 */
export async function startPlacementWorker(
  client: Client,
  host: PartitionHost,
  options: PlacementWorkerOptions,
  log: Logger,
): Promise<PlacementWorker> {
  const o = { sessionTtlMs: 10_000, retryMs: 2_000, waitMs: 30_000, ...options };
  const record: WorkerRecord = { ...o.worker, node: await client.nodeName() };
  const key = workerKey(o.placementPrefix, record.id);
  const warn = (error: Error): void => log.warn({ err: error.message }, 'placement worker problem');
  const kept: KeptSession = keepSession(
    client,
    { name: `shardmesh-worker ${record.id}`, ttlMs: o.sessionTtlMs, lockDelayMs: 0, behavior: 'delete' },
    async (session) => {
      if (!(await client.acquireKey(key, encodeWorker(record), session)))
        throw new Error(`could not write worker record ${key}`);
      log.info(
        { worker: record.id, node: record.node, capacityBytes: record.capacityBytes },
        'worker announced',
      );
    },
    warn,
  );

  let wanted: readonly string[] = [];
  let applying: Promise<void> | undefined;
  let again = false;
  let retry: NodeJS.Timeout | undefined;
  let closed = false;
  const apply = (): void => {
    if (applying) {
      again = true;
      return;
    }
    applying = reconcile()
      .catch(warn)
      .finally(() => {
        applying = undefined;
        if (again && !closed) {
          again = false;
          apply();
        }
      });
  };
  const reconcile = async (): Promise<void> => {
    const target = new Set(wanted);
    for (const k of host.keys().filter((k) => !target.has(k))) await host.unload(k);
    let failed = false;
    for (const k of wanted.filter((k) => !host.keys().includes(k))) {
      try {
        await host.load(k);
      } catch (error) {
        failed = true;
        log.error({ partition: k, err: (error as Error).message }, 'assigned partition failed to load');
      }
    }
    if (failed && !closed) {
      clearTimeout(retry);
      retry = setTimeout(apply, o.retryMs);
    }
  };
  const assignment = assignmentKey(o.placementPrefix, record.id);
  const watch: Watch = watchKeysUnder(
    client,
    assignment,
    (entries) => {
      const entry = entries.find((e) => e.Key === assignment);
      try {
        wanted =
          entry === undefined ? [] : decodeAssignment(typeof entry.Value === 'string' ? entry.Value : '');
      } catch (error) {
        warn(new Error(`Consul key ${assignment}: ${(error as Error).message}`));
        return;
      }
      log.info({ partitions: wanted }, 'assignment changed');
      apply();
    },
    warn,
    { waitMs: o.waitMs },
  );
  return {
    async close() {
      closed = true;
      clearTimeout(retry);
      watch.close();
      await applying;
      await kept.close();
    },
  };
}
