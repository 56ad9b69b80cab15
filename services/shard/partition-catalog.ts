import path from 'node:path';
import { loadRepository } from '../../lib/plan/repository.js';
import type { PartitionPlan, Sealing } from '../../lib/plan/schema.js';
import type { FileDigest } from '../../lib/plan/file-digest.js';
import { PartitionFileError } from '../../lib/plan/partition-file-error.js';
import { SealError } from '../../lib/seal/seal-error.js';
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
  /**
   * Set when the plan is sealed: what opening the file in memory needs (lib/seal/read-sealed.ts).
   * Absent: `file` is clear ONNX.
   */
  readonly sealed?: { readonly dir: string; readonly sealing: Sealing; readonly partition: PartitionPlan };
  /** Set when the plan records the clear file's size and SHA-256: a file that differs is refused. */
  readonly digest?: FileDigest;
}

/** A selected partition the shard would not load, and why (the file and reason are in `error`). */
export interface RefusedPartition {
  readonly partition: ServedPartition;
  readonly error: SealError | PartitionFileError;
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
          ...(plan.sealing ? { sealed: { dir, sealing: plan.sealing, partition } } : {}),
          ...(partition.bytes !== undefined && partition.sha256 !== undefined
            ? { digest: { bytes: partition.bytes, sha256: partition.sha256 } }
            : {}),
        });
      });
    }
  }
  return chosen;
}

/** Loaded runners by partition key; the shard's model state lives here and nowhere else. */
export class PartitionCatalog {
  readonly #runners = new Map<string, ModelRunner>();
  readonly #served: ServedPartition[] = [];
  readonly #refused: RefusedPartition[] = [];

  constructor(readonly selected: readonly ServedPartition[]) {}

  /** The selected partitions that loaded: the ones the shard registers and serves. */
  get partitions(): readonly ServedPartition[] {
    return this.#served;
  }

  /**
   * Partitions refused at load, never registered: sealed ones tampered, truncated, or with a wrong
   * or no key; clear ones whose size or SHA-256 differs from the plan's record.
   */
  get refused(): readonly RefusedPartition[] {
    return this.#refused;
  }

  /**
   * Opens every selected partition. A SealError or PartitionFileError refuses that partition alone, which is then
   * neither served nor registered; any other error rejects (the caller closes what was opened).
   */
  async load(open: (p: ServedPartition) => Promise<ModelRunner>): Promise<void> {
    for (const p of this.selected) {
      let runner: ModelRunner;
      try {
        runner = await open(p);
      } catch (error) {
        if (!(error instanceof SealError) && !(error instanceof PartitionFileError)) throw error;
        this.#refused.push({ partition: p, error });
        continue;
      }
      this.#runners.set(partitionKey(p), runner);
      this.#served.push(p);
    }
  }

  runner(key: string): ModelRunner | undefined {
    return this.#runners.get(key);
  }

  async close(): Promise<void> {
    await Promise.all([...this.#runners.values()].map((r) => r.close()));
    this.#runners.clear();
  }
}
