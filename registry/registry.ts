/**
 * Where shards announce the partitions they serve and routers find them. Two implementations:
 * Consul (`consul-registry.ts`) for a real mesh, and a folder of heartbeat files
 * (`embedded-registry.ts`) for one host. Both keep the same contract:
 *
 * - `register` makes an instance visible once it is healthy and keeps it so while the returned
 *   registration is alive; an instance whose process dies stops being listed within `ttlMs`
 *   (it turns critical), and is removed for good after `deregisterAfterMs`.
 * - `watch` calls `onChange` with the full list of passing instances, first as soon as it is
 *   known, then after every change; it never calls with a partial list. When the registry is
 *   unreachable it reports through `onError` and keeps retrying; the caller keeps its last list.
 * - `list` answers once with every instance still listed, critical ones too (until they are
 *   removed), each with its status: what an operator looks at (`shardmesh status`), never what
 *   routing uses.
 */

/** The registry's view of one partition served by one shard process. */
export interface ShardInstance {
  /** Unique per process and partition. */
  readonly id: string;
  readonly address: string;
  readonly port: number;
  readonly model: string;
  readonly version: string;
  readonly stage: string;
  readonly partition: number;
  readonly partitionCount: number;
  /** The SPIFFE id the shard's certificate carries; the router dials only a shard that proves it. */
  readonly identity: string;
}

export interface RegisterOptions {
  /** How long the instance stays passing without a heartbeat. @default 5000 */
  readonly ttlMs?: number;
  /** How long a critical instance stays listed (as critical) before it is removed. @default 60000 */
  readonly deregisterAfterMs?: number;
}

/** An instance as the registry lists it, passing or not. */
export interface ListedInstance {
  readonly instance: ShardInstance;
  readonly status: 'passing' | 'critical';
  /** Why it is critical, as its owner or the registry put it ("draining", "TTL expired"). */
  readonly note?: string;
}

export interface Registration {
  /** Marks the instance passing or critical now, e.g. critical while draining. */
  setStatus(status: 'passing' | 'critical', note?: string): Promise<void>;
  /** Stops heartbeats and removes the instance. Safe to call twice. */
  deregister(): Promise<void>;
}

export interface Watch {
  close(): void;
}

export interface Registry {
  /** What this registry is, for logs: `consul://127.0.0.1:8500` or `embedded:/path`. */
  readonly description: string;
  register(instance: ShardInstance, options?: RegisterOptions): Promise<Registration>;
  watch(onChange: (instances: readonly ShardInstance[]) => void, onError?: (error: Error) => void): Watch;
  /** Every instance listed now, passing or critical. */
  list(): Promise<readonly ListedInstance[]>;
  /** Lets go of what the registry keeps open between calls; call after closing its watches. */
  close(): void;
}
