import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Plan } from '../../lib/plan/schema.js';
import { validatePlan } from '../../lib/plan/validate.js';
import { replaceVersion, type ReplaceOptions } from '../../lib/plan/version-swap.js';
import type { KeyEncryptionKey } from '../../lib/seal/key-file.js';
import { sealPlan } from '../../lib/seal/seal-plan.js';
import { encodeModel, type ModelProto } from './graph.js';
import { partitionFileName } from './partitioned-model.js';

export interface WriteOptions {
  /**
   * Extra small files to write beside plan.json, by file name (e.g. a stamp of the sources the
   * split was made from). @default none
   */
  readonly extraFiles?: Readonly<Record<string, string>>;
  /** Awaited at each step of the replacement: a seam for tests that kill the writer there. */
  readonly onStep?: ReplaceOptions['onStep'];
  /**
   * Seal every partition under a fresh data key wrapped with this key-encryption key
   * (lib/seal/seal-plan.ts, `split --seal`): the clear ONNX bytes are encrypted in memory and
   * never written. @default clear partitions
   */
  readonly seal?: KeyEncryptionKey;
}

/**
 * Writes a partitioned model to `outDir` (a `models/<name>/<version>/` folder): every partition as
 * `stage-<stage>-part-<p>.onnx` and the plan as `plan.json`. The plan is validated first, and
 * `models[s][p]` must be partition p of `plan.stages[s]`, under the file name the plan gives it.
 * The folder is replaced as `lib/plan/version-swap.ts` describes: a reader sees the old complete
 * version or the new one, never neither, and a killed earlier write leaves nothing behind after
 * this one. Returns the plan as validated (and as sealed, with `seal`).
 */
export async function writePartitionedModel(
  outDir: string,
  plan: Plan,
  models: readonly (readonly ModelProto[])[],
  options: WriteOptions = {},
): Promise<Plan> {
  const checked = validatePlan(plan);
  checkModels(checked, models);
  let written = checked;
  const fill = async (dir: string): Promise<void> => {
    if (options.seal) {
      const sealed = await sealPlan(
        checked,
        options.seal,
        (s, p) => Promise.resolve(encodeModel(models[s]![p]!)),
        (file, bytes) => writeFile(path.join(dir, file), bytes),
      );
      written = validatePlan(sealed);
    } else {
      for (const [s, stage] of checked.stages.entries()) {
        for (const [p, partition] of stage.partitions.entries()) {
          await writeFile(path.join(dir, partition.file), encodeModel(models[s]![p]!));
        }
      }
    }
    for (const [name, text] of Object.entries(options.extraFiles ?? {})) {
      if (path.basename(name) !== name)
        throw new RangeError(`extra file "${name}" must be a plain file name`);
      await writeFile(path.join(dir, name), text);
    }
    await writeFile(path.join(dir, 'plan.json'), `${JSON.stringify(written, null, 2)}\n`);
  };
  await replaceVersion(outDir, fill, options.onStep ? { onStep: options.onStep } : {});
  return written;
}

function checkModels(plan: Plan, models: readonly (readonly ModelProto[])[]): void {
  if (models.length !== plan.stages.length) {
    throw new RangeError(
      `${models.length} stages of partition models for a plan of ${plan.stages.length} stages`,
    );
  }
  plan.stages.forEach((stage, s) => {
    const given = models[s]!.length;
    if (given !== stage.partitions.length) {
      throw new RangeError(
        `stage ${stage.name}: ${given} partition models for ${stage.partitions.length} partitions`,
      );
    }
    stage.partitions.forEach((partition, p) => {
      const expected = partitionFileName(stage.name, p);
      if (partition.file !== expected) {
        throw new RangeError(
          `stages[${s}].partitions[${p}].file is "${partition.file}", expected "${expected}"`,
        );
      }
    });
  });
}
