import type { ListedInstance, ShardInstance } from '../registry/registry.js';
import type { RouterStatus } from '../services/router/router-status.js';

/** What one router answered on `GET /status`, or why it did not. */
export type RouterReport =
  | { readonly address: string; readonly ok: true; readonly status: RouterStatus }
  | { readonly address: string; readonly ok: false; readonly error: string };

/** A model version's shape: its stages and how many partitions each has. */
export interface ExpectedModel {
  readonly model: string;
  readonly version: string;
  readonly stages: readonly { readonly stage: string; readonly partitions: number }[];
}

export interface ReplicaStatus {
  readonly instance: string;
  readonly address: string;
  /**
   * `critical` in the registry (its heartbeat stopped, or it is draining: `note` says which);
   * `ejected` when it passes there but a router's outlier detector avoids it; else `passing`.
   */
  readonly health: 'passing' | 'ejected' | 'critical';
  /** Why it is critical, as the registry says. */
  readonly note?: string;
  /** Summed over the routers that answered. */
  readonly inFlight: number;
  readonly requestsPerSecond: number;
  /** The worst (largest) any router measured over its last minute; null when none called it. */
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
}

export interface PartitionStatus {
  readonly partition: number;
  /**
   * No passing replica is registered (none at all, or only critical ones): requests for the
   * model fail with UNAVAILABLE.
   */
  readonly missing: boolean;
  readonly replicas: readonly ReplicaStatus[];
}

export interface MeshStatus {
  readonly generatedAt: string;
  readonly registry: string;
  readonly routers: readonly (
    | { address: string; ok: true; certificateNotAfter: string; routingTableAgeSeconds: number }
    | { address: string; ok: false; error: string }
  )[];
  readonly models: readonly {
    readonly model: string;
    readonly version: string;
    readonly stages: readonly { readonly stage: string; readonly partitions: readonly PartitionStatus[] }[];
  }[];
  /** Every missing partition, for scripts: `model/version/stage/partition`. */
  readonly missing: readonly string[];
  readonly certificates: readonly { readonly name: string; readonly notAfter: string }[];
}

export interface MeshStatusInput {
  readonly now: Date;
  readonly registry: string;
  /** Every instance the registry lists, critical ones too. */
  readonly instances: readonly ListedInstance[];
  /** Plans from the model repository, if status could read one. */
  readonly plans: readonly ExpectedModel[];
  readonly routers: readonly RouterReport[];
  readonly certificates: readonly { readonly name: string; readonly notAfter: string }[];
}

const key = (...parts: (string | number)[]): string => JSON.stringify(parts);

/**
 * Joins the registry's instances, the plans (the repository's and the routers'), and the routers'
 * views into one report, per model, version, stage and partition. Pure: `shardmesh status` reads
 * the world, this decides what it means. A partition a plan names with no passing instance is
 * missing (its critical ones are still listed, to say why); a model only the registry knows gets
 * the partition count its instances carry.
 */
export function meshStatus(input: MeshStatusInput): MeshStatus {
  const expected = new Map<string, Map<string, number>>();
  const addStage = (model: string, version: string, stage: string, partitions: number): void => {
    const stages = expected.get(key(model, version)) ?? new Map<string, number>();
    stages.set(stage, Math.max(stages.get(stage) ?? 0, partitions));
    expected.set(key(model, version), stages);
  };
  const routerPlans = input.routers.flatMap((r) => (r.ok ? r.status.plans : []));
  for (const plan of [...input.plans, ...routerPlans])
    for (const s of plan.stages) addStage(plan.model, plan.version, s.stage, s.partitions);
  for (const { instance: i } of input.instances) addStage(i.model, i.version, i.stage, i.partitionCount);

  const byPartition = new Map<string, ListedInstance[]>();
  const byId = (a: ListedInstance, b: ListedInstance): number =>
    a.instance.id < b.instance.id ? -1 : a.instance.id > b.instance.id ? 1 : 0;
  for (const listed of [...input.instances].sort(byId)) {
    const i = listed.instance;
    const k = key(i.model, i.version, i.stage, i.partition);
    byPartition.set(k, [...(byPartition.get(k) ?? []), listed]);
  }
  const views = input.routers.flatMap((r) => (r.ok ? [r.status.replicas] : []));
  const missing: string[] = [];
  const models = [...expected.entries()]
    .map(([k, stages]) => {
      const [model, version] = JSON.parse(k) as [string, string];
      return {
        model,
        version,
        stages: [...stages.entries()].map(([stage, count]) => ({
          stage,
          partitions: Array.from({ length: count }, (_, partition): PartitionStatus => {
            const replicas = (byPartition.get(key(model, version, stage, partition)) ?? []).map((i) =>
              replicaStatus(i, views),
            );
            const none = !replicas.some((r) => r.health !== 'critical');
            if (none) missing.push(`${model}/${version}/${stage}/${partition}`);
            return { partition, missing: none, replicas };
          }),
        })),
      };
    })
    .sort((a, b) => a.model.localeCompare(b.model) || Number(a.version) - Number(b.version));
  return {
    generatedAt: input.now.toISOString(),
    registry: input.registry,
    routers: input.routers.map((r) =>
      r.ok
        ? {
            address: r.address,
            ok: true as const,
            certificateNotAfter: r.status.certificateNotAfter,
            routingTableAgeSeconds: r.status.routingTableAgeSeconds,
          }
        : { address: r.address, ok: false as const, error: r.error },
    ),
    models,
    missing,
    certificates: input.certificates,
  };
}

function replicaStatus(listed: ListedInstance, views: readonly RouterStatus['replicas'][]): ReplicaStatus {
  const i: ShardInstance = listed.instance;
  const seen = views.flatMap((v) => (v[i.id] ? [v[i.id]!] : []));
  const worst = (pick: (v: (typeof seen)[number]) => number | null): number | null =>
    seen.reduce<number | null>((m, v) => {
      const x = pick(v);
      return x === null ? m : m === null ? x : Math.max(m, x);
    }, null);
  return {
    instance: i.id,
    address: `${i.address}:${i.port}`,
    health: listed.status === 'critical' ? 'critical' : seen.some((v) => v.ejected) ? 'ejected' : 'passing',
    ...(listed.status === 'critical' && listed.note !== undefined ? { note: listed.note } : {}),
    inFlight: seen.reduce((n, v) => n + v.inFlight, 0),
    requestsPerSecond: seen.reduce((n, v) => n + v.requestsPerSecond, 0),
    p50Ms: worst((v) => v.p50Ms),
    p99Ms: worst((v) => v.p99Ms),
  };
}
