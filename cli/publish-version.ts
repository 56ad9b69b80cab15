import path from 'node:path';
import { digestFile, type FileDigest } from '../lib/plan/file-digest.js';
import { loadPlan, loadRepository } from '../lib/plan/repository.js';
import type { PartitionPlan, Plan } from '../lib/plan/schema.js';
import { validatePlan } from '../lib/plan/validate.js';
import type { PublishOutcome } from '../registry/consul-model-repository.js';
import { openConsulModelRepository } from '../registry/open-model-repository.js';

export interface PublishOptions {
  /** `consul://HOST:PORT`. */
  readonly registryUrl: string;
  /** Folder the partition files can be fetched from (file://, http://, https://); each file's URL is it + `/` + its `file`. */
  readonly baseUrl?: string;
  /** @default DEFAULT_MODELS_PREFIX */
  readonly prefix?: string;
  /** Replicas placement keeps of each partition (the version's `replicas` key). @default none written: 1 */
  readonly replicas?: number;
}

/** The file's size and SHA-256 as the plan must record them: the sealed record for a sealed file. */
export const recordedDigest = (partition: PartitionPlan): FileDigest | undefined =>
  partition.sealed
    ? { bytes: partition.sealed.bytes, sha256: partition.sealed.sha256 }
    : partition.bytes !== undefined && partition.sha256 !== undefined
      ? { bytes: partition.bytes, sha256: partition.sha256 }
      : undefined;

/**
 * The plan of the version folder `dir` as it is published: every partition file is read and its
 * size and SHA-256 recorded (a sealed one must match its sealed record, a clear one any record
 * plan.json already has), and its URL set under `baseUrl`. Throws naming the file that differs.
 */
export async function planForPublishing(dir: string, baseUrl?: string): Promise<Plan> {
  const { plan, dir: resolved } = await loadPlan(dir);
  if (baseUrl !== undefined && !/^(file|https?):\/\//.test(baseUrl))
    throw new TypeError(`--base-url ${baseUrl}: expected a file://, http:// or https:// URL`);
  const stages = [];
  for (const stage of plan.stages) {
    const partitions = [];
    for (const partition of stage.partitions) {
      const file = path.join(resolved, partition.file);
      const actual = await digestFile(file);
      const recorded = recordedDigest(partition);
      if (recorded && (recorded.bytes !== actual.bytes || recorded.sha256 !== actual.sha256))
        throw new Error(
          `${file} is not the file plan.json records (${actual.bytes} bytes, SHA-256 ${actual.sha256}; the plan says ${recorded.bytes} bytes, ${recorded.sha256})`,
        );
      partitions.push({
        ...partition,
        ...(partition.sealed ? {} : actual),
        ...(baseUrl === undefined
          ? {}
          : { url: `${baseUrl.replace(/\/+$/, '')}/${encodeURI(partition.file)}` }),
      });
    }
    stages.push({ ...stage, partitions });
  }
  return validatePlan({ ...plan, stages });
}

/** Publishes the version folder `dir` (`models/NAME/VERSION`) to the Consul model repository. */
export async function publishVersion(
  dir: string,
  options: PublishOptions,
): Promise<{ plan: Plan; outcome: PublishOutcome }> {
  const plan = await planForPublishing(dir, options.baseUrl);
  const repository = openConsulModelRepository(options.registryUrl, options.prefix);
  try {
    const outcome = await repository.publish(plan);
    if (options.replicas !== undefined)
      await repository.setReplicas(plan.name, plan.version, options.replicas);
    return { plan, outcome };
  } finally {
    repository.close();
  }
}

/** Publishes every version folder of the repository `root` (tests and `shardmesh up` with Consul). */
export async function publishRepository(root: string, options: PublishOptions): Promise<void> {
  for (const { dir } of await loadRepository(root)) await publishVersion(dir, options);
}
