/**
 * The placement decision, a pure function: which worker holds which replica of which partition.
 * The leader (placement-leader.ts) calls it with what Consul KV says and writes the result back.
 *
 * Rules, in order:
 * - Stability: a replica on a live worker that still wants it stays where it is, unless it is a
 *   second replica of one partition on the same worker, or more replicas than wanted (the ones on
 *   the fullest workers go). Moving a healthy replica costs a load and a drain for nothing.
 * - Missing replicas go to a live worker that lacks the partition and has room for its bytes,
 *   preferring a Consul node that holds no replica of it yet (spread across hosts), then the most
 *   free bytes, then the fewest partitions (load), then the worker id (deterministic).
 * - A replica that fits nowhere is reported in `unplaced`; the others are still placed.
 * Assignments of dead workers (not in `workers`) and of partitions no longer wanted are dropped,
 * so an unloaded model's partitions leave every worker.
 */

export interface PlacementWorker {
  readonly id: string;
  /** Consul node name: the failure domain replicas are spread over. */
  readonly node: string;
  readonly capacityBytes: number;
}

export interface WantedPartition {
  /** `model/version/stage/partition`. */
  readonly key: string;
  /** What it takes of a worker's capacity: the partition file's size. */
  readonly bytes: number;
  readonly replicas: number;
}

export interface Placement {
  /** Partition keys per live worker id, sorted; a worker with none has an empty list. */
  readonly assignments: Map<string, string[]>;
  /** Partitions short of replicas, and by how many. */
  readonly unplaced: { readonly key: string; readonly missing: number }[];
}

export function placePartitions(
  workers: readonly PlacementWorker[],
  wanted: readonly WantedPartition[],
  current: ReadonlyMap<string, readonly string[]>,
): Placement {
  const byKey = new Map(wanted.map((w) => [w.key, w]));
  const held = new Map<string, Set<string>>(workers.map((w) => [w.id, new Set<string>()]));
  const used = new Map<string, number>(workers.map((w) => [w.id, 0]));
  const byId = new Map(workers.map((w) => [w.id, w]));
  const holders = (key: string): PlacementWorker[] => workers.filter((w) => held.get(w.id)!.has(key));
  const free = (w: PlacementWorker): number => w.capacityBytes - used.get(w.id)!;
  const add = (w: PlacementWorker, p: WantedPartition): void => {
    held.get(w.id)!.add(p.key);
    used.set(w.id, used.get(w.id)! + p.bytes);
  };

  // Keep what is fine: live worker, wanted partition, within the worker's capacity.
  for (const w of workers)
    for (const key of [...(current.get(w.id) ?? [])].sort()) {
      const p = byKey.get(key);
      if (p && !held.get(w.id)!.has(key) && free(w) >= p.bytes) add(w, p);
    }
  // Too many replicas (replicas lowered): drop from the fullest workers.
  for (const p of wanted) {
    const extra = holders(p.key).sort((a, b) => free(a) - free(b) || cmp(a.id, b.id));
    for (const w of extra.slice(0, Math.max(0, extra.length - p.replicas))) {
      held.get(w.id)!.delete(p.key);
      used.set(w.id, used.get(w.id)! - p.bytes);
    }
  }
  // Place what is missing, biggest partitions first (they are the hardest to fit).
  const unplaced: { key: string; missing: number }[] = [];
  const order = [...wanted].sort((a, b) => b.bytes - a.bytes || cmp(a.key, b.key));
  for (const p of order) {
    let missing = p.replicas - holders(p.key).length;
    while (missing > 0) {
      const nodes = new Set(holders(p.key).map((w) => w.node));
      const candidates = workers
        .filter((w) => !held.get(w.id)!.has(p.key) && free(w) >= p.bytes)
        .sort(
          (a, b) =>
            Number(nodes.has(a.node)) - Number(nodes.has(b.node)) ||
            free(b) - free(a) ||
            held.get(a.id)!.size - held.get(b.id)!.size ||
            cmp(a.id, b.id),
        );
      const chosen = candidates[0];
      if (!chosen) break;
      add(byId.get(chosen.id)!, p);
      missing--;
    }
    if (missing > 0) unplaced.push({ key: p.key, missing });
  }
  const assignments = new Map([...held].map(([id, keys]) => [id, [...keys].sort()]));
  return { assignments, unplaced: unplaced.sort((a, b) => cmp(a.key, b.key)) };
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
