import path from 'node:path';
import { loadRepository } from '../../lib/plan/repository.js';
import type { ModelRunner } from './model-runner.js';

/** Which partitions a shard serves: `model/version/stage/partition`, any part may be `*`. */
export interface PartitionSelector {
  readonly model: string;
  readonly version: string;
  readonly stage: string;
  readonly partition: string;
}

export function parseSelector(text: string): PartitionSelector {
  const parts = text.split('/');
  if (parts.length !== 4 || parts.some((p) => p === '')) {
    throw new TypeError(`--serve "${text}": expected MODEL/VERSION/STAGE/PARTITION, any part may be *`);
  }
  const [model, version, stage, partition] = parts as [string, string, string, string];
  return { model, version, stage, partition };
}

const matches = (pattern: string, value: string): boolean => pattern === '*' || pattern === value;

export interface ServedPartition {
  readonly model: string;
  readonly version: string;
  readonly stage: string;
  readonly partition: number;
  readonly partitionCount: number;
  readonly file: string;
  readonly weightBytes: number;
}

export function partitionKey(p: Pick<ServedPartition, 'model' | 'version' | 'stage' | 'partition'>): string {
  return `${p.model}/${p.version}/${p.stage}/${p.partition}`;
}

/** The partitions of a model repository that any selector picks. */
export async function selectPartitions(
  root: string,
  selectors: readonly PartitionSelector[],
): Promise<ServedPartition[]> {
  const chosen: ServedPartition[] = [];
  for (const { plan, dir } of await loadRepository(root)) {
    for (const stage of plan.stages) {
      stage.partitions.forEach((partition, p) => {
        const picked = selectors.some(
          (s) =>
            matches(s.model, plan.name) &&
            matches(s.version, plan.version) &&
            matches(s.stage, stage.name) &&
            matches(s.partition, String(p)),
        );
        if (!picked) return;
        chosen.push({
          model: plan.name,
          version: plan.version,
          stage: stage.name,
          partition: p,
          partitionCount: stage.partitions.length,
          file: path.join(dir, partition.file),
          weightBytes: partition.weightBytes ?? 0,
        });
      });
    }
  }
  return chosen;
}

/** Loaded runners by partition key; the shard's model state lives here and nowhere else. */
export class PartitionCatalog {
  readonly #runners = new Map<string, ModelRunner>();

  constructor(readonly partitions: readonly ServedPartition[]) {}

  async load(open: (p: ServedPartition) => Promise<ModelRunner>): Promise<void> {
    for (const p of this.partitions) this.#runners.set(partitionKey(p), await open(p));
  }

  runner(key: string): ModelRunner | undefined {
    return this.#runners.get(key);
  }

  async close(): Promise<void> {
    await Promise.all([...this.#runners.values()].map((r) => r.close()));
    this.#runners.clear();
  }
}
