import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { planDir } from '../lib/plan/repository.js';
import type { ModelProto } from '../partition/onnx/graph.js';
import type { PartitionedModel } from '../partition/onnx/partitioned-model.js';
import { writePartitionedModel } from '../partition/onnx/write.js';

/** Bumped when a change here or in the splitters changes what the benchmark models look like. */
const BENCH_MODELS_REVISION = 2;
const STAMP_FILE = '.bench-stamp';

/** One partitioned variant of a source model, written as `<root>/<name>/1/`. */
export interface ModelVariant {
  readonly name: string;
  /** Identifies the variant's cut; with the source's params it makes the stamp. */
  readonly params: unknown;
  readonly split: (model: ModelProto) => PartitionedModel | Promise<PartitionedModel>;
}

/** A model several variants are cut from; `load` runs only when some variant is stale. */
export interface ModelSource {
  /** Identifies the source: a generator's options or a file's hash. */
  readonly params: unknown;
  readonly load: () => Promise<ModelProto>;
}

/**
 * Writes each variant into the repository unless the stamp beside its plan says it is already
 * there, so a second benchmark run spends no time generating or splitting. The source is loaded
 * at most once and dropped after, which matters for the ≥ 1 GiB synthetic model.
 */
export async function prepareVariants(
  root: string,
  source: ModelSource,
  variants: readonly ModelVariant[],
): Promise<void> {
  let model: ModelProto | undefined;
  for (const variant of variants) {
    const dir = planDir(root, variant.name, '1');
    const stamp = createHash('sha256')
      .update(JSON.stringify({ revision: BENCH_MODELS_REVISION, source: source.params, cut: variant.params }))
      .digest('hex');
    const current = await readFile(path.join(dir, STAMP_FILE), 'utf8').catch(() => undefined);
    const hasPlan = await stat(path.join(dir, 'plan.json')).then(
      () => true,
      () => false,
    );
    if (current === stamp && hasPlan) continue;
    model ??= await source.load();
    const { plan, models } = await variant.split(model);
    await writePartitionedModel(dir, plan, models, { extraFiles: { [STAMP_FILE]: stamp } });
  }
}

/** The sha256 of a file, to stamp variants cut from a model shipped in a package. */
export async function fileHash(file: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
}
