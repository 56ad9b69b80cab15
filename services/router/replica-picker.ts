import type { ShardInstance } from '../../registry/registry.js';

const MAX_TURNS = 4096;

/**
 * Least-outstanding-requests choice among a partition's replicas. The counts are the router's own
 * view (calls it has open), which is what matters for queueing at a shard that only this router
 * feeds; ties go round-robin so equal replicas share the load. The round-robin turn is kept per
 * replica list (a partition's replicas), as grpc-js keeps one picker per channel: one shared turn
 * would let the picks of a model's other partitions decide which replica this one gets, and a
 * two-partition model sent one request at a time would always land on the same replica.
 *
 * Replicas that `ejected` names (the outlier detector's) are left out while another candidate is
 * admitted; when every candidate is ejected, an ejected one is picked, since a request must go
 * somewhere: so a retry after the only admitted replica failed goes to an ejected one not yet
 * tried, which may have recovered, rather than back to the one that just failed.
 */
export class ReplicaPicker {
  readonly #outstanding = new Map<string, number>();
  readonly #turns = new Map<string, number>();

  constructor(private readonly ejected: (id: string) => boolean = () => false) {}

  /** The least-loaded replica not in `exclude`, admitted ones first; undefined when none is left. */
  pick(replicas: readonly ShardInstance[], exclude: ReadonlySet<string>): ShardInstance | undefined {
    // A partition of one replica (every partition of a fan-out, as often as not) has no choice to
    // make: no lists, no turn key (the general path builds both per call).
    if (replicas.length === 1) return exclude.has(replicas[0]!.id) ? undefined : replicas[0];
    const untried = replicas.filter((r) => !exclude.has(r.id));
    const admitted = untried.filter((r) => !this.ejected(r.id));
    const candidates = admitted.length > 0 ? admitted : untried;
    if (candidates.length === 0) return undefined;
    const load = (r: ShardInstance): number => this.#outstanding.get(r.id) ?? 0;
    const least = Math.min(...candidates.map(load));
    const tied = candidates.filter((r) => load(r) === least);
    const key = replicas.map((r) => r.id).join('\n');
    const turn = this.#turns.get(key) ?? 0;
    // Lists of replicas that left the table are forgotten wholesale; turns then restart at 0.
    if (this.#turns.size >= MAX_TURNS && !this.#turns.has(key)) this.#turns.clear();
    this.#turns.set(key, turn + 1);
    return tied[turn % tied.length];
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
