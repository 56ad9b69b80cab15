import type { Plan } from '../plan/schema.js';
import { newDataKey, wrapDataKey } from './data-key.js';
import type { KeyEncryptionKey } from './key-file.js';
import { sealedFileName, sealPartition } from './seal-file.js';

/**
 * Seals every partition of a clear plan under one fresh data key, wrapped with `kek`: the one
 * core of `shardmesh seal` (seal-version.ts) and `split --seal` (partition/onnx/write.ts). It
 * reads each clear partition with `plainOf`, writes its sealed bytes with `write` under the
 * sealed name, and returns the sealed plan to write last, once every file is in place. The data
 * key is zeroed before it returns, whatever happens.
 */
export async function sealPlan(
  plan: Plan,
  kek: KeyEncryptionKey,
  plainOf: (stage: number, partition: number, file: string) => Promise<Uint8Array>,
  write: (file: string, sealed: Uint8Array) => Promise<void>,
): Promise<Plan> {
  if (plan.sealing) throw new TypeError(`plan ${plan.name}/${plan.version} is sealed already`);
  const dataKey = newDataKey();
  try {
    const stages: Plan['stages'] = [];
    for (const [s, stage] of plan.stages.entries()) {
      const partitions: Plan['stages'][number]['partitions'] = [];
      for (const [p, partition] of stage.partitions.entries()) {
        const file = sealedFileName(partition.file);
        const { sealed, record } = sealPartition(await plainOf(s, p, partition.file), dataKey, file);
        await write(file, sealed);
        partitions.push({ ...partition, file, sealed: record });
      }
      stages.push({ ...stage, partitions });
    }
    return { ...plan, stages, sealing: wrapDataKey(dataKey, kek) };
  } finally {
    dataKey.fill(0);
  }
}
