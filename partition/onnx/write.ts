import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Plan } from '../../lib/plan/schema.js';
import { validatePlan } from '../../lib/plan/validate.js';
import { encodeModel, type ModelProto } from './graph.js';
import { partitionFileName } from './partitioned-model.js';

export interface WriteOptions {
  /**
   * Extra small files to write beside plan.json, by file name (e.g. a stamp of the sources the
   * split was made from). @default none
   */
  readonly extraFiles?: Readonly<Record<string, string>>;
}

/**
 * Writes a partitioned model to `outDir` (a `models/<name>/<version>/` folder): every partition as
 * `stage-<stage>-part-<p>.onnx` and the plan as `plan.json`. The plan is validated first, and
 * `models[s][p]` must be partition p of `plan.stages[s]`, under the file name the plan gives it.
 * Everything is written into a temporary folder beside `outDir` and renamed into place, so a
 * reader sees the old folder or the new one, never a half-written one (a folder already there is
 * moved aside first and deleted after, so for a moment neither exists). Returns the plan as
 * validated.
 */
export async function writePartitionedModel(
  outDir: string,
  plan: Plan,
  models: readonly (readonly ModelProto[])[],
  options: WriteOptions = {},
): Promise<Plan> {
  const checked = validatePlan(plan);
  checkModels(checked, models);
  const parent = path.dirname(path.resolve(outDir));
  const base = path.basename(outDir);
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const temp = path.join(parent, `.${base}.tmp-${tag}`);
  await mkdir(parent, { recursive: true });
  await mkdir(temp);
  try {
    for (const [s, stage] of checked.stages.entries()) {
      for (const [p, partition] of stage.partitions.entries()) {
        await writeFile(path.join(temp, partition.file), encodeModel(models[s]![p]!));
      }
    }
    for (const [name, text] of Object.entries(options.extraFiles ?? {})) {
      if (path.basename(name) !== name)
        throw new RangeError(`extra file "${name}" must be a plain file name`);
      await writeFile(path.join(temp, name), text);
    }
    await writeFile(path.join(temp, 'plan.json'), `${JSON.stringify(checked, null, 2)}\n`);
    await replaceDir(temp, path.resolve(outDir), path.join(parent, `.${base}.old-${tag}`));
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
  return checked;
}

async function replaceDir(from: string, to: string, aside: string): Promise<void> {
  // Another writer may put a folder in place between our look and our rename: move it aside too.
  for (let attempt = 0; ; attempt++) {
    const existed = await rename(to, aside).then(
      () => true,
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return false;
        throw error;
      },
    );
    try {
      await rename(from, to);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (attempt < 3 && (code === 'ENOTEMPTY' || code === 'EEXIST')) continue;
      throw error;
    } finally {
      if (existed) await rm(aside, { recursive: true, force: true });
    }
    return;
  }
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
