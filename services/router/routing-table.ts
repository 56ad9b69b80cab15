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

/**
 * model → version → stage → partition → replicas. A lookup (one per partition of every request)
 * builds no key: a JSON key per lookup showed in the router's fan-out profile. Names may hold any
 * character ('/' included) and never collide.
 */
type PartitionIndex = Map<string, Map<string, Map<string, Map<number, ShardInstance[]>>>>;

/** `map`'s entry for `key`, made empty when missing. */
function entry<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) map.set(key, (value = make()));
  return value;
}

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Builds the table from a watch's list; pure, and the input is not retained. */
export function buildRoutingTable(instances: readonly ShardInstance[]): RoutingTable {
  const sorted = Object.freeze([...instances].sort(compareById).map((i) => Object.freeze({ ...i })));
  const byPartition: PartitionIndex = new Map();
  const versionsByModel = new Map<string, Set<string>>();
  for (const instance of sorted) {
    const stages = entry(
      entry(byPartition, instance.model, () => new Map()),
      instance.version,
      () => new Map(),
    );
    entry(
      entry(stages, instance.stage, () => new Map()),
      instance.partition,
      () => [],
    ).push(instance);
    const versions = versionsByModel.get(instance.model) ?? new Set<string>();
    versions.add(instance.version);
    versionsByModel.set(instance.model, versions);
  }
  // Lists are already in id order because `sorted` is; freezing lets callers hold them safely.
  for (const versions of byPartition.values())
    for (const stages of versions.values())
      for (const partitions of stages.values())
        for (const replicas of partitions.values()) Object.freeze(replicas);

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
      byPartition.get(model)?.get(version)?.get(stage)?.get(partition) ?? EMPTY,
    models: () => modelList,
    hasModel: (model: string, version?: string) => {
      const versions = versionsByModel.get(model);
      return versions !== undefined && (version === undefined || versions.has(version));
    },
  });
}
