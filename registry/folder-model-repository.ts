import { watch as watchFolder, type FSWatcher } from 'node:fs';
import { mkdir, readdir, readFile, realpath, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadRepository, repositoryFingerprint, versionDirs } from '../lib/plan/repository.js';
import { asError } from './errors.js';
import {
  decodeDesired,
  encodeDesired,
  LOADED,
  type DesiredState,
  type PublishedVersion,
} from './model-kv-layout.js';
import { versionsKey, type ModelRepository } from './model-repository.js';
import type { Watch } from './registry.js';

/** The file in `desiredDir` that holds a model's desired state (absent: LOADED). */
export const desiredFile = (desiredDir: string, name: string): string =>
  path.join(desiredDir, `${name}.json`);

/**
 * The one-host model repository: the `--models` folder (`<root>/<name>/<version>/plan.json`); a
 * model's desired state is `<desiredDir>/<name>.json`, kept with the embedded registry's state
 * rather than in the model folder, which the router only reads (and which several meshes may
 * share). The folder equivalent of the Consul KV layout.
 *
 * A watch reads the folders again when the kernel says one changed (fs.watch, inotify: the root,
 * each model folder, each version folder, the desired folder) and, in case a change comes from
 * where inotify cannot see (a network file system), every `safetyPollMs`. Polling alone 4 times a
 * second cost a router serving PP-OCR's recogniser 15–19 % of its busy time in stat() and
 * readdir() under load (a CPU profile of bench/probes/router-hop.ts). Where a folder cannot be
 * watched (no inotify, its watch limit reached), the watch polls every `pollMs` instead.
 */
export class FolderModelRepository implements ModelRepository {
  readonly description: string;
  readonly #watches = new Set<Watch>();

  constructor(
    readonly root: string,
    readonly desiredDir: string,
    /** How often the folders are read again where they cannot be watched. @default 250, as the embedded registry polls */
    private readonly pollMs = 250,
    /** How often they are read again although watched. @default 2000 */
    private readonly safetyPollMs = 2_000,
  ) {
    this.description = `folder:${root}`;
  }

  async read(): Promise<PublishedVersion[]> {
    const loaded = await loadRepository(this.root);
    const desired = new Map<string, DesiredState>();
    for (const name of new Set(loaded.map((l) => l.plan.name))) {
      const file = desiredFile(this.desiredDir, name);
      const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return undefined;
        throw error;
      });
      if (text !== undefined) desired.set(name, decodeDesired(text));
    }
    return loaded.map(({ plan }) => ({ plan, desired: desired.get(plan.name) ?? LOADED }));
  }

  async setDesired(name: string, desired: DesiredState): Promise<void> {
    const file = desiredFile(this.desiredDir, name);
    const temp = `${file}.${process.pid}.tmp`;
    await mkdir(this.desiredDir, { recursive: true });
    await writeFile(temp, encodeDesired(desired));
    await rename(temp, file);
  }

  /**
   * Changes when a plan or a desired state may have: reading and validating every plan 4 times a
   * second took 9 % of a busy router's CPU (cls at c=16), so a poll compares this first.
   */
  async fingerprint(): Promise<string> {
    const desired: string[] = [];
    const files = await readdir(this.desiredDir).catch(() => [] as string[]);
    for (const file of files.sort()) {
      const s = await stat(path.join(this.desiredDir, file)).catch(() => undefined);
      if (s) desired.push(`${file}:${s.ino}:${s.size}:${s.mtimeMs}`);
    }
    return `${await repositoryFingerprint(this.root)}\n--\n${desired.join('\n')}`;
  }

  watch(onChange: (versions: readonly PublishedVersion[]) => void, onError: (error: Error) => void): Watch {
    let lastKey: string | undefined;
    let lastFingerprint: string | undefined;
    let timer: NodeJS.Timeout | undefined;
    let closed = false;
    let polling = false;
    let again = false;
    const folders = new FolderWatchers(() => wake());
    const poll = async (): Promise<void> => {
      if (polling) {
        again = true;
        return;
      }
      polling = true;
      try {
        folders.watch([this.root, this.desiredDir, ...(await this.#folders())]);
        const fingerprint = await this.fingerprint();
        if (fingerprint !== lastFingerprint) {
          const versions = await this.read();
          // Only once read: a read that failed is tried again at the next poll.
          lastFingerprint = fingerprint;
          const key = versionsKey(versions);
          if (!closed && key !== lastKey) {
            lastKey = key;
            onChange(Object.freeze(versions));
          }
        }
      } catch (error) {
        onError(asError(error));
      } finally {
        polling = false;
      }
      if (closed) return;
      clearTimeout(timer);
      if (again) {
        again = false;
        timer = setTimeout(() => void poll(), 0).unref();
      } else {
        timer = setTimeout(() => void poll(), folders.complete ? this.safetyPollMs : this.pollMs).unref();
      }
    };
    // Events come in bursts (a version folder written file by file): one read a few ms later.
    const wake = (): void => {
      if (closed) return;
      clearTimeout(timer);
      timer = setTimeout(() => void poll(), 10).unref();
    };
    void mkdir(this.desiredDir, { recursive: true })
      .catch(() => undefined)
      .then(() => poll());
    const watch = {
      close: () => {
        closed = true;
        clearTimeout(timer);
        folders.close();
        this.#watches.delete(watch);
      },
    };
    this.#watches.add(watch);
    return watch;
  }

  /**
   * Every model folder and version folder under the root, the latter resolved: a version swapped
   * by `replaceVersion` is a symlink to a new folder, which needs a watcher of its own.
   */
  async #folders(): Promise<string[]> {
    const versions = await versionDirs(this.root).catch(() => []);
    const resolved = await Promise.all(versions.map((v) => realpath(v.dir).catch(() => v.dir)));
    return [...new Set([...versions.map((v) => path.dirname(v.dir)), ...resolved])];
  }

  close(): void {
    for (const watch of [...this.#watches]) watch.close();
  }
}

/**
 * fs.watch on a set of folders, kept in step with the set it is given; `complete` is false while
 * one of them could not be watched (missing, no inotify, the watch limit reached).
 */
class FolderWatchers {
  readonly #watchers = new Map<string, FSWatcher>();
  complete = false;

  constructor(private readonly onEvent: () => void) {}

  watch(folders: readonly string[]): void {
    const wanted = new Set(folders);
    for (const [folder, watcher] of this.#watchers)
      if (!wanted.has(folder)) {
        watcher.close();
        this.#watchers.delete(folder);
      }
    let complete = true;
    for (const folder of wanted) {
      if (this.#watchers.has(folder)) continue;
      try {
        const watcher = watchFolder(folder, { persistent: false }, () => this.onEvent());
        // A folder removed or an inotify failure: drop the watcher; the next poll sets it up again.
        watcher.on('error', () => {
          watcher.close();
          if (this.#watchers.get(folder) === watcher) this.#watchers.delete(folder);
          this.complete = false;
          this.onEvent();
        });
        this.#watchers.set(folder, watcher);
      } catch {
        complete = false;
      }
    }
    this.complete = complete;
  }

  close(): void {
    for (const watcher of this.#watchers.values()) watcher.close();
    this.#watchers.clear();
  }
}
