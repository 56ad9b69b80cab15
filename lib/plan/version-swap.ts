import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, readlink, rename, rm, symlink } from 'node:fs/promises';
import path from 'node:path';

/**
 * How a model version folder (`models/<name>/<version>`) is replaced so that a reader always finds
 * the old complete version or the new complete one, never neither and never a mix, even when the
 * writer is SIGKILLed at any point:
 *
 * - `<version>` is a symlink to a hidden sibling `.<version>.data-<pid>-<hex>` that holds plan.json
 *   and the partitions. A writer fills `.<version>.tmp-<pid>-<hex>`, renames it to `.data-…` once
 *   complete, makes a symlink `.<version>.link-<pid>-<hex>` to it, and renames that over
 *   `<version>`: rename(2) of a symlink over a symlink is atomic, where a folder cannot be renamed
 *   over a non-empty one. Then it removes the folder the old link pointed at.
 * - Every write starts (and ends) by removing leftovers of writers that are gone: `.tmp-`,
 *   `.link-`, `.data-` folders that `<version>` does not point at, whose pid is not alive; so a
 *   killed run's folders are gone after the next run. `.old-` folders of the earlier layout (a
 *   version moved aside by a writer killed before its second rename) are put back if `<version>`
 *   is missing, removed otherwise.
 *
 * One gap remains, once per folder: a `<version>` that is a plain folder (written before this
 * layout, or by hand) cannot be swapped for a symlink in one rename, so it is moved to a `.data-`
 * name first; a kill between the two renames leaves no `<version>` until the next write (or
 * `recoverVersion`) links it back.
 */

/** Where `replaceVersion` is; a seam for tests that kill a writer at a named point. */
export type SwapStep = 'writing' | 'written' | 'linked' | 'swapped';

export interface ReplaceOptions {
  /** Awaited at each step; the CLI's test seam SHARDMESH_TEST_SPLIT_PAUSE_AT pauses here. */
  readonly onStep?: (step: SwapStep) => Promise<void> | void;
}

const LEFTOVER = /^\.(.+)\.(tmp|data|link|old)-(\d+)-[0-9a-f]+$/;

interface Leftover {
  readonly name: string;
  readonly version: string;
  readonly kind: 'tmp' | 'data' | 'link' | 'old';
  readonly pid: number;
}

function parseLeftover(name: string): Leftover | undefined {
  const match = LEFTOVER.exec(name);
  if (!match) return undefined;
  return { name, version: match[1]!, kind: match[2] as Leftover['kind'], pid: Number(match[3]) };
}

/** Whether a process with this pid exists (EPERM: it does, owned by someone else). */
function alive(pid: number): boolean {
  if (pid === process.pid) return false; // our own names: whatever is left of them is stale
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const code = (error: unknown): string | undefined => (error as NodeJS.ErrnoException).code;

/** The sibling `<version>` points at, '' for a plain folder, undefined when there is none. */
async function currentTarget(versionPath: string): Promise<string | undefined> {
  try {
    const stats = await lstat(versionPath);
    return stats.isSymbolicLink() ? path.basename(await readlink(versionPath)) : '';
  } catch (error) {
    if (code(error) === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Removes what dead writers left of `<version>` in `parent`, after linking `<version>` back to the
 * newest complete folder if it is missing. Returns the names removed.
 */
export async function recoverVersion(parent: string, version: string): Promise<string[]> {
  const versionPath = path.join(parent, version);
  const entries = await readdir(parent).catch((error: unknown) => {
    if (code(error) === 'ENOENT') return [];
    throw error;
  });
  const leftovers = entries
    .map(parseLeftover)
    .filter((l): l is Leftover => l !== undefined && l.version === version && !alive(l.pid));
  let target = await currentTarget(versionPath);
  if (target === undefined) {
    // A kill between moving a plain folder aside and linking: put the newest complete one back.
    const complete = leftovers.filter((l) => l.kind === 'data' || l.kind === 'old');
    const newest = await newestOf(parent, complete);
    if (newest) {
      await link(parent, version, newest.name);
      target = newest.name;
    }
  }
  const removed: string[] = [];
  for (const l of leftovers) {
    if (l.name === target) continue;
    await rm(path.join(parent, l.name), { recursive: true, force: true });
    removed.push(l.name);
  }
  return removed;
}

async function newestOf(parent: string, candidates: readonly Leftover[]): Promise<Leftover | undefined> {
  let best: { leftover: Leftover; mtimeMs: number } | undefined;
  for (const leftover of candidates) {
    const { mtimeMs } = await lstat(path.join(parent, leftover.name));
    if (!best || mtimeMs > best.mtimeMs) best = { leftover, mtimeMs };
  }
  return best?.leftover;
}

/** Points `<version>` at `target` (a sibling's name) with one rename of a fresh symlink over it. */
async function link(parent: string, version: string, target: string): Promise<void> {
  const linkPath = path.join(parent, `.${version}.link-${process.pid}-${randomBytes(4).toString('hex')}`);
  await symlink(target, linkPath);
  await rename(linkPath, path.join(parent, version));
}

/**
 * Replaces the version folder `dir` (`models/<name>/<version>`) with what `fill` writes into the
 * empty folder it is given, as the layout above describes. If `fill` throws, `dir` is left as it
 * was and the partial folder is removed.
 */
export async function replaceVersion(
  dir: string,
  fill: (folder: string) => Promise<void>,
  options: ReplaceOptions = {},
): Promise<void> {
  const parent = path.dirname(path.resolve(dir));
  const version = path.basename(path.resolve(dir));
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const temp = path.join(parent, `.${version}.tmp-${tag}`);
  const data = `.${version}.data-${tag}`;
  await mkdir(parent, { recursive: true });
  await recoverVersion(parent, version);
  await mkdir(temp);
  try {
    await options.onStep?.('writing');
    await fill(temp);
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
  await rename(temp, path.join(parent, data));
  await options.onStep?.('written');
  const versionPath = path.join(parent, version);
  if ((await currentTarget(versionPath)) === '') {
    // A plain folder cannot be replaced by a symlink in one rename: make it a `.data-` folder.
    await rename(
      versionPath,
      path.join(parent, `.${version}.data-${process.pid}-${randomBytes(4).toString('hex')}`),
    );
  }
  const linkPath = path.join(parent, `.${version}.link-${tag}`);
  await symlink(data, linkPath);
  await options.onStep?.('linked');
  await rename(linkPath, versionPath);
  await options.onStep?.('swapped');
  // Ours now, so none of the other `.data-` folders with our pid is current: removed too.
  await recoverVersion(parent, version);
}
