import { access } from 'node:fs/promises';
import type { Logger } from '../../lib/log.js';
import type { ModelRunner } from './model-runner.js';
import {
  PartitionCatalog,
  partitionKey,
  selectPartitions,
  type PartitionSelector,
  type ServedPartition,
} from './partition-catalog.js';

/** Times a shard reads the plans again when a version was replaced while it loaded. */
const LOAD_ATTEMPTS = 3;

/**
 * Selects the partitions `o.serve` names and loads them. A `split` that replaces a served version
 * between the shard reading its plan and opening its files removes the old files
 * (lib/plan/version-swap.ts): then some selected file is gone, and the shard reads the plans again
 * and loads the new version, rather than exiting. It never serves a mix: each attempt loads one
 * selection, and a failed attempt's runners are closed.
 *
 * A sealed partition that cannot be opened (no or wrong key, truncated, changed, unauthentic file)
 * is refused alone: one error line names its file and the reason, and the shard serves and
 * registers the others. If every selected partition is refused, the shard has nothing to serve
 * and fails to start, naming them all.
 */
export async function loadServedPartitions(
  o: { readonly modelRepository: string; readonly serve: readonly object[] },
  log: Logger,
  open: (p: ServedPartition) => Promise<ModelRunner>,
): Promise<PartitionCatalog> {
  for (let attempt = 1; ; attempt++) {
    const served = await selectPartitions(o.modelRepository, o.serve as PartitionSelector[]);
    if (served.length === 0)
      throw new TypeError(
        `--serve ${o.serve.map((s) => Object.values(s).join('/'))} matches no partition in ${o.modelRepository}`,
      );
    const catalog = new PartitionCatalog(served);
    try {
      await catalog.load(open);
    } catch (error) {
      await catalog.close();
      const replaced = await Promise.all(
        served.map((p) =>
          access(p.file).then(
            () => false,
            () => true,
          ),
        ),
      );
      if (attempt < LOAD_ATTEMPTS && replaced.some(Boolean)) continue;
      throw error;
    }
    for (const { partition, error } of catalog.refused)
      log.error(
        {
          partition: partitionKey(partition),
          file: error.file,
          failure: error.failure,
          reason: error.reason,
        },
        'partition refused',
      );
    if (catalog.partitions.length === 0)
      throw new Error(
        `every partition --serve selects was refused: ${catalog.refused.map((r) => r.error.message).join('; ')}`,
      );
    return catalog;
  }
}
