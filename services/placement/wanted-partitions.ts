import type { PublishedVersion } from '../../registry/model-kv-layout.js';
import type { WantedPartition } from './place-partitions.js';

/**
 * What placement must hold: every partition of every published version whose model is LOADED,
 * with the replicas its version's `replicas` key asks for (1 without one). A partition weighs its
 * file's size as published (the sealed file's for a sealed one; the weights' size for a plan
 * published without sizes), which is what a worker's `--capacity-bytes` is measured against.
 */
export function wantedPartitions(
  versions: readonly PublishedVersion[],
  replicas: ReadonlyMap<string, number>,
): WantedPartition[] {
  const wanted: WantedPartition[] = [];
  for (const { plan, desired } of versions) {
    if (desired.state !== 'LOADED') continue;
    const count = replicas.get(`${plan.name}/${plan.version}`) ?? 1;
    for (const stage of plan.stages)
      stage.partitions.forEach((partition, p) =>
        wanted.push({
          key: `${plan.name}/${plan.version}/${stage.name}/${p}`,
          bytes: partition.sealed?.bytes ?? partition.bytes ?? partition.weightBytes ?? 0,
          replicas: count,
        }),
      );
  }
  return wanted;
}
