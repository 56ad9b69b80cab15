import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadRepository, repositoryFingerprint } from '../lib/plan/repository.js';
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
 * The one-host model repository: the `--models` folder (`<root>/<name>/<version>/plan.json`), read
 * again every `pollMs`; a model's desired state is `<desiredDir>/<name>.json`, kept with the
 * embedded registry's state rather than in the model folder, which the router only reads (and
 * which several meshes may share). The folder equivalent of the Consul KV layout.
 */
export class FolderModelRepository implements ModelRepository {
  readonly description: string;
  readonly #watches = new Set<Watch>();

  constructor(
    readonly root: string,
    readonly desiredDir: string,
    /** How often the folder is read again. @default 250, as the embedded registry polls */
    private readonly pollMs = 250,
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
    const poll = async (): Promise<void> => {
      try {
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
      }
      if (!closed) timer = setTimeout(() => void poll(), this.pollMs).unref();
    };
    void poll();
    const watch = {
      close: () => {
        closed = true;
        clearTimeout(timer);
        this.#watches.delete(watch);
      },
    };
    this.#watches.add(watch);
    return watch;
  }

  close(): void {
    for (const watch of [...this.#watches]) watch.close();
  }
}
