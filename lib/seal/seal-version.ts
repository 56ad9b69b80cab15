import { cp, mkdir, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadPlan } from '../plan/repository.js';
import type { Plan } from '../plan/schema.js';
import { validatePlan } from '../plan/validate.js';
import { replaceVersion, type ReplaceOptions } from '../plan/version-swap.js';
import type { KeyEncryptionKey } from './key-file.js';
import { sealPlan } from './seal-plan.js';

/** Thrown for a version `shardmesh seal` will not seal; the message says why, for the operator. */
export class SealVersionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SealVersionError';
  }
}

/**
 * `shardmesh seal DIR`: replaces the clear model version in `dir` (`models/<name>/<version>`) with a
 * sealed one. The sealed files and the new plan.json are written into a fresh folder beside it and
 * swapped in with lib/plan/version-swap.ts, so a reader (a shard starting, a kill mid-way) finds
 * the complete clear version or the complete sealed one, never a plan that lists clear files as
 * sealed or the reverse. Other files of the version (stamps) are copied as they are; the clear
 * partition files go with the old folder. Returns the sealed plan.
 */
export async function sealVersion(
  dir: string,
  kek: KeyEncryptionKey,
  options: ReplaceOptions = {},
): Promise<Plan> {
  const loaded = await loadPlan(dir);
  if (loaded.plan.sealing)
    throw new SealVersionError(`${dir} is sealed already (key id ${loaded.plan.sealing.keyId})`);
  const clearFiles = new Set(loaded.plan.stages.flatMap((s) => s.partitions.map((p) => p.file)));
  let sealed: Plan | undefined;
  await replaceVersion(
    dir,
    async (folder) => {
      await cp(loaded.dir, folder, {
        recursive: true,
        filter: (source) => {
          const relative = path.relative(loaded.dir, source);
          return relative !== 'plan.json' && !clearFiles.has(relative);
        },
      });
      sealed = await sealPlan(
        loaded.plan,
        kek,
        (_s, _p, file) => readFile(path.join(loaded.dir, file)),
        async (file, bytes) => {
          await mkdir(path.dirname(path.join(folder, file)), { recursive: true });
          await writeFile(path.join(folder, file), bytes);
        },
      );
      // Checked before it is written: the version is never swapped for a plan a shard would refuse.
      const checked = validatePlan(sealed);
      await writeFile(path.join(folder, 'plan.json'), `${JSON.stringify(checked, null, 2)}\n`);
    },
    options,
  );
  await removeClearFolder(dir, loaded.dir);
  return sealed!;
}

/**
 * Removes the clear version's folder once the sealed one is in place. replaceVersion leaves a
 * replaced `.data-<pid>-…` folder alone while a process of that pid lives (it may be a writer
 * still filling it); for a clear folder that is the wrong way round, since the pid may be the
 * long-lived process that split it, or a reused one. A shard loading from it meanwhile reads the
 * plans again (services/shard/shard-server.ts) and gets the sealed version.
 */
async function removeClearFolder(dir: string, clearDir: string): Promise<void> {
  const now = await realpath(dir);
  const version = path.basename(path.resolve(dir));
  const sibling = path.dirname(clearDir) === path.dirname(now);
  if (now !== clearDir && sibling && path.basename(clearDir).startsWith(`.${version}.data-`))
    await rm(clearDir, { recursive: true, force: true });
}
