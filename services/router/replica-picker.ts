import type { ShardInstance } from '../../registry/registry.js';

/**
 * Least-outstanding-requests choice among a partition's replicas. The counts are the router's own
 * view (calls it has open), which is what matters for queueing at a shard that only this router
 * feeds; ties go round-robin so equal replicas share the load.
 */
export class ReplicaPicker {
  readonly #outstanding = new Map<string, number>();
  #turn = 0;

  /** The least-loaded replica not in `exclude`, or undefined when none is left. */
  pick(replicas: readonly ShardInstance[], exclude: ReadonlySet<string>): ShardInstance | undefined {
    const candidates = replicas.filter((r) => !exclude.has(r.id));
    if (candidates.length === 0) return undefined;
    const load = (r: ShardInstance): number => this.#outstanding.get(r.id) ?? 0;
    const least = Math.min(...candidates.map(load));
    const tied = candidates.filter((r) => load(r) === least);
    return tied[this.#turn++ % tied.length];
  }

  /** Counts a call as open until the returned function is called. */
  begin(replica: ShardInstance): () => void {
    this.#outstanding.set(replica.id, (this.#outstanding.get(replica.id) ?? 0) + 1);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      const left = (this.#outstanding.get(replica.id) ?? 1) - 1;
      if (left === 0) this.#outstanding.delete(replica.id);
      else this.#outstanding.set(replica.id, left);
    };
  }

  outstanding(id: string): number {
    return this.#outstanding.get(id) ?? 0;
  }
}
