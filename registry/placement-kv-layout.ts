import { DEFAULT_MODELS_PREFIX, type KvEntry } from './model-kv-layout.js';

/**
 * Placement's keys in Consul KV (docs/model-repository.md, "Placement"), as pure functions over
 * keys and values so the layout is tested without an agent:
 *
 *   <models>/<name>/versions/<version>/replicas  {"replicas":N}: replicas each partition wants (absent: 1)
 *   <placement>workers/<worker>                  {"node","address","port","capacityBytes"}: a live
 *                                                worker, held by its session (deleted when it ends)
 *   <placement>assignments/<worker>              {"partitions":["model/version/stage/partition",…]}
 *   <placement>leader                            {"router":…}: the lock the placement leader holds
 *
 * `<models>` is `shardmesh/models/`, `<placement>` is `shardmesh/placement/`. Only the leader
 * writes assignments; only a worker writes its own worker key.
 */

export const DEFAULT_PLACEMENT_PREFIX = 'shardmesh/placement/';

/** A worker as it announces itself. */
export interface WorkerRecord {
  readonly id: string;
  /** Consul node name of the worker's agent: replicas of one partition go to different nodes. */
  readonly node: string;
  readonly address: string;
  readonly port: number;
  /** Bytes of partition files the worker may hold (`--capacity-bytes`). */
  readonly capacityBytes: number;
}

export const replicasKey = (modelsPrefix: string, name: string, version: string): string =>
  `${modelsPrefix}${name}/versions/${version}/replicas`;
export const workersPrefix = (prefix: string): string => `${prefix}workers/`;
export const workerKey = (prefix: string, id: string): string => `${workersPrefix(prefix)}${id}`;
export const assignmentsPrefix = (prefix: string): string => `${prefix}assignments/`;
export const assignmentKey = (prefix: string, id: string): string => `${assignmentsPrefix(prefix)}${id}`;
export const leaderKey = (prefix: string): string => `${prefix}leader`;

const ID = /^[A-Za-z0-9_.-]+$/;
const PARTITION = /^[A-Za-z0-9_.-]+\/[0-9]+\/[^/]+\/[0-9]+$/;

export function encodeWorker(worker: WorkerRecord): string {
  if (!ID.test(worker.id)) throw new TypeError(`worker id "${worker.id}": letters, digits, _ . - only`);
  const { node, address, port, capacityBytes } = worker;
  return JSON.stringify({ node, address, port, capacityBytes });
}

export function decodeWorker(id: string, text: string): WorkerRecord {
  const v = JSON.parse(text) as Record<string, unknown>;
  if (typeof v['node'] !== 'string' || v['node'] === '') throw new TypeError('node must be a name');
  if (!(Number.isSafeInteger(v['capacityBytes']) && (v['capacityBytes'] as number) >= 0))
    throw new TypeError('capacityBytes must be a whole number of bytes');
  return {
    id,
    node: v['node'],
    address: typeof v['address'] === 'string' ? v['address'] : '',
    port: typeof v['port'] === 'number' ? v['port'] : 0,
    capacityBytes: v['capacityBytes'] as number,
  };
}

export const encodeAssignment = (partitions: readonly string[]): string =>
  JSON.stringify({ partitions: [...partitions].sort() });

/** The partition keys assigned to a worker; a malformed one throws, naming it. */
export function decodeAssignment(text: string): string[] {
  const v = JSON.parse(text) as { partitions?: unknown };
  if (!Array.isArray(v.partitions)) throw new TypeError('partitions must be a list');
  for (const p of v.partitions)
    if (typeof p !== 'string' || !PARTITION.test(p))
      throw new TypeError(`partition ${JSON.stringify(p)}: expected MODEL/VERSION/STAGE/PARTITION`);
  return v.partitions as string[];
}

export function encodeReplicas(replicas: number): string {
  if (!(Number.isInteger(replicas) && replicas >= 1 && replicas <= 1000))
    throw new TypeError(`replicas ${replicas}: must be a whole number from 1 to 1000`);
  return JSON.stringify({ replicas });
}

export function decodeReplicas(text: string): number {
  const { replicas } = JSON.parse(text) as { replicas?: unknown };
  if (!(typeof replicas === 'number' && Number.isInteger(replicas) && replicas >= 1))
    throw new TypeError(`replicas must be a whole number of at least 1, not ${JSON.stringify(replicas)}`);
  return replicas;
}

const REPLICAS_KEY = /^([A-Za-z0-9_.-]+)\/versions\/([0-9]+)\/replicas$/;

/** Replicas per `name/version` under the models prefix; bad values reported and left out (1 applies). */
export function decodeReplicasUnder(
  entries: readonly KvEntry[],
  modelsPrefix = DEFAULT_MODELS_PREFIX,
): { replicas: Map<string, number>; problems: Error[] } {
  const replicas = new Map<string, number>();
  const problems: Error[] = [];
  for (const { Key, Value } of entries) {
    if (typeof Key !== 'string' || !Key.startsWith(modelsPrefix)) continue;
    const match = REPLICAS_KEY.exec(Key.slice(modelsPrefix.length));
    if (!match) continue;
    try {
      replicas.set(`${match[1]}/${match[2]}`, decodeReplicas(typeof Value === 'string' ? Value : ''));
    } catch (error) {
      problems.push(new Error(`Consul key ${Key}: ${(error as Error).message}`));
    }
  }
  return { replicas, problems };
}

/** Live workers and current assignments under the placement prefix; bad values reported and left out. */
export function decodePlacement(
  prefix: string,
  entries: readonly KvEntry[],
): { workers: WorkerRecord[]; assignments: Map<string, string[]>; problems: Error[] } {
  const workers: WorkerRecord[] = [];
  const assignments = new Map<string, string[]>();
  const problems: Error[] = [];
  for (const { Key, Value } of entries) {
    if (typeof Key !== 'string') continue;
    const text = typeof Value === 'string' ? Value : '';
    try {
      if (Key.startsWith(workersPrefix(prefix)))
        workers.push(decodeWorker(Key.slice(workersPrefix(prefix).length), text));
      else if (Key.startsWith(assignmentsPrefix(prefix)))
        assignments.set(Key.slice(assignmentsPrefix(prefix).length), decodeAssignment(text));
    } catch (error) {
      problems.push(new Error(`Consul key ${Key}: ${(error as Error).message}`));
    }
  }
  workers.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { workers, assignments, problems };
}
