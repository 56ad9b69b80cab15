import type { ShardInstance } from '../../registry/registry.js';
import { compareById } from '../../registry/shard-instance.js';

/**
 * An immutable snapshot of which replicas serve which partition, like grpc-js's `Picker`: the
 * router builds a new one on every watch change and swaps it in, so a lookup is synchronous and
 * never sees a half-applied update. When the registry is unreachable the router simply keeps the
 * last table.
 */
export interface RoutingTable {
  /** Every instance in the table, sorted by id. */
  readonly instances: readonly ShardInstance[];
  /** The replicas serving one partition, sorted by id; empty when there are none. */
  replicas(model: string, version: string, stage: string, partition: number): readonly ShardInstance[];
  /** The distinct model versions with at least one replica, sorted by model then version. */
  models(): readonly ModelVersion[];
  /** Whether any replica serves `model` (at `version`, when given). */
  hasModel(model: string, version?: string): boolean;
}

export interface ModelVersion {
  readonly model: string;
  readonly version: string;
}

const EMPTY: readonly ShardInstance[] = Object.freeze([]);

// JSON of a tuple cannot collide, whatever characters the names hold ('/' included).
const partitionKey = (model: string, version: string, stage: string, partition: number): string =>
  JSON.stringify([model, version, stage, partition]);

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Builds the table from a watch's list; pure, and the input is not retained. */
export function buildRoutingTable(instances: readonly ShardInstance[]): RoutingTable {
  const sorted = Object.freeze([...instances].sort(compareById).map((i) => Object.freeze({ ...i })));
  const byPartition = new Map<string, ShardInstance[]>();
  const versionsByModel = new Map<string, Set<string>>();
  for (const instance of sorted) {
    const key = partitionKey(instance.model, instance.version, instance.stage, instance.partition);
    const replicas = byPartition.get(key);
    if (replicas) replicas.push(instance);
    else byPartition.set(key, [instance]);
    const versions = versionsByModel.get(instance.model) ?? new Set<string>();
    versions.add(instance.version);
    versionsByModel.set(instance.model, versions);
  }
  // Lists are already in id order because `sorted` is; freezing lets callers hold them safely.
  for (const replicas of byPartition.values()) Object.freeze(replicas);

  const modelList: readonly ModelVersion[] = Object.freeze(
    [...versionsByModel.entries()]
      .sort(([a], [b]) => compareText(a, b))
      .flatMap(([model, versions]) =>
        [...versions].sort(compareText).map((version) => Object.freeze({ model, version })),
      ),
  );

  return Object.freeze({
    instances: sorted,
    replicas: (model: string, version: string, stage: string, partition: number) =>
      byPartition.get(partitionKey(model, version, stage, partition)) ?? EMPTY,
    models: () => modelList,
    hasModel: (model: string, version?: string) => {
      const versions = versionsByModel.get(model);
      return versions !== undefined && (version === undefined || versions.has(version));
    },
  });
}
