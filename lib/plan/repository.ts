import { readFile, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { validatePlan } from './validate.js';
import type { Plan } from './schema.js';

/**
 * A model repository on disk: `<root>/<name>/<version>/plan.json` plus the partition files the plan
 * names. Triton's layout, so the same folder can be pointed at by other tools.
 */
export interface LoadedPlan {
  readonly plan: Plan;
  /**
   * Folder holding plan.json, resolved through the version's symlink (lib/plan/version-swap.ts):
   * partition `file`s are relative to it, so they come from the same version as the plan even if
   * the version is replaced meanwhile.
   */
  readonly dir: string;
}

export function planDir(root: string, name: string, version: string): string {
  return path.join(root, name, version);
}

const isMissing = (error: unknown): boolean => (error as NodeJS.ErrnoException).code === 'ENOENT';

/**
 * Reads `dir`/plan.json. When `dir` is a version symlink replaced between resolving it and reading
 * the plan (the writer removes the folder it pointed at), it resolves it again: a reader gets the
 * old version or the new one, never an error for the swap.
 */
export async function loadPlan(dir: string): Promise<LoadedPlan> {
  for (let attempt = 0; ; attempt++) {
    const resolved = await realpath(dir);
    const file = path.join(resolved, 'plan.json');
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if (attempt < 3 && isMissing(error) && (await realpath(dir).catch(() => resolved)) !== resolved)
        continue;
      throw error;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new Error(`${path.join(dir, 'plan.json')} is not JSON: ${(error as Error).message}`, {
        cause: error,
      });
    }
    return { plan: validatePlan(json), dir: resolved };
  }
}

/** Whether `file` is a folder, or a symlink to one (a version written by `replaceVersion`). */
const isFolder = (file: string): Promise<boolean> =>
  stat(file).then(
    (s) => s.isDirectory(),
    (error: unknown) => {
      if (isMissing(error)) return false;
      throw error;
    },
  );

/** Every version folder of a repository, `<root>/<name>/<version>`, newest version last per model. */
export async function versionDirs(root: string): Promise<{ name: string; version: string; dir: string }[]> {
  const dirs: { name: string; version: string; dir: string }[] = [];
  for (const name of (await readdir(root, { withFileTypes: true })).filter((d) => d.isDirectory())) {
    const versions: string[] = [];
    for (const entry of await readdir(path.join(root, name.name))) {
      if (/^[0-9]+$/.test(entry) && (await isFolder(path.join(root, name.name, entry)))) versions.push(entry);
    }
    versions.sort((a, b) => Number(a) - Number(b));
    for (const version of versions)
      dirs.push({ name: name.name, version, dir: planDir(root, name.name, version) });
  }
  return dirs;
}

/** Every plan in a repository, newest version last per model. */
export async function loadRepository(root: string): Promise<LoadedPlan[]> {
  const plans: LoadedPlan[] = [];
  for (const { dir } of await versionDirs(root)) plans.push(await loadPlan(dir));
  return plans;
}

/**
 * What changes when any plan of the repository does: each version folder with its plan.json's
 * inode, size and modification time (a version swapped by `replaceVersion` is a new folder, so a new
 * inode). Cheap next to reading and validating every plan: a poller compares it first.
 */
export async function repositoryFingerprint(root: string): Promise<string> {
  const parts: string[] = [];
  for (const { name, version, dir } of await versionDirs(root)) {
    const s = await stat(path.join(dir, 'plan.json')).catch(() => undefined);
    parts.push(s ? `${name}/${version}:${s.ino}:${s.size}:${s.mtimeMs}` : `${name}/${version}:-`);
  }
  return parts.join('\n');
}
