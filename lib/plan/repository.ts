import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { validatePlan } from './validate.js';
import type { Plan } from './schema.js';

/**
 * A model repository on disk: `<root>/<name>/<version>/plan.json` plus the partition files the plan
 * names. Triton's layout, so the same folder can be pointed at by other tools.
 */
export interface LoadedPlan {
  readonly plan: Plan;
  /** Folder holding plan.json; partition `file`s are relative to it. */
  readonly dir: string;
}

export function planDir(root: string, name: string, version: string): string {
  return path.join(root, name, version);
}

export async function loadPlan(dir: string): Promise<LoadedPlan> {
  const file = path.join(dir, 'plan.json');
  const text = await readFile(file, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file} is not JSON: ${(error as Error).message}`, { cause: error });
  }
  return { plan: validatePlan(json), dir };
}

/** Every plan in a repository, newest version last per model. */
export async function loadRepository(root: string): Promise<LoadedPlan[]> {
  const plans: LoadedPlan[] = [];
  for (const name of (await readdir(root, { withFileTypes: true })).filter((d) => d.isDirectory())) {
    const versions = (await readdir(path.join(root, name.name), { withFileTypes: true }))
      .filter((d) => d.isDirectory() && /^[0-9]+$/.test(d.name))
      .map((d) => d.name)
      .sort((a, b) => Number(a) - Number(b));
    for (const version of versions) plans.push(await loadPlan(planDir(root, name.name, version)));
  }
  return plans;
}
