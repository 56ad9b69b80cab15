/**
 * A running process's own certificate, key and CA bundle, kept current while they change on disk,
 * so `shardmesh certs renew` (or any tool that replaces the files) takes effect without a restart.
 *
 * `fs.watch` on the folders (files are replaced by rename, which a watch on the old inode would
 * miss) plus stat polling for file systems where watches miss changes; events are debounced, and
 * a reload reads the pair through `loadTlsFiles`, which settles a `writeKeyPair` stopped between
 * its renames, so a half-written pair is never used. The new files must pass `checkLeaf` against
 * the identity the process started with; if they do not, the pair in use stays and the reason is
 * logged, and the next change is tried again. Listeners get each accepted pair once; what they do
 * with it (new connections only) is theirs.
 */
import { watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';

import type { Logger } from '../lib/log.js';

import type { TlsFiles, TlsMaterial } from './credentials.js';
import { loadTlsFiles } from './credentials.js';
import { identityFromCertificate } from './identity.js';
import { checkLeaf, type LeafSummary } from './leaf-check.js';

/** A process's own pair and the CA bundle it verifies peers with. */
export interface OwnTlsMaterial extends TlsMaterial {
  readonly certPem: Buffer;
  readonly keyPem: Buffer;
}

export interface KeyPairWatcherOptions {
  /**
   * How often the files' inode, size and mtime are checked, for file systems where `fs.watch`
   * misses changes (network mounts, some containers' bind mounts).
   * @default 1000
   */
  readonly pollIntervalMs?: number;
  /** How long after the last watch event a reload starts, so one rotation's renames load once. @default 100 */
  readonly debounceMs?: number;
}

type Listener = (material: OwnTlsMaterial, leaf: LeafSummary) => void;

export class KeyPairWatcher {
  #material: OwnTlsMaterial;
  #leaf: LeafSummary;
  #stamp: string;
  #reloading: Promise<boolean> = Promise.resolve(false);
  #debounce: NodeJS.Timeout | undefined;
  readonly #listeners: Listener[] = [];
  readonly #watchers: FSWatcher[] = [];
  readonly #poller: NodeJS.Timeout;

  private constructor(
    readonly files: Required<TlsFiles>,
    material: OwnTlsMaterial,
    leaf: LeafSummary,
    stamp: string,
    private readonly log: Logger,
    options: KeyPairWatcherOptions,
  ) {
    this.#material = material;
    this.#leaf = leaf;
    this.#stamp = stamp;
    const debounceMs = options.debounceMs ?? 100;
    const names = new Set([files.caFile, files.certFile, files.keyFile].map((f) => path.resolve(f)));
    for (const dir of new Set([...names].map((f) => path.dirname(f)))) {
      try {
        const watcher = watch(dir, (_event, name) => {
          if (name !== null && !names.has(path.join(dir, name))) return;
          clearTimeout(this.#debounce);
          this.#debounce = setTimeout(() => void this.reload(), debounceMs).unref();
        });
        watcher.on('error', (error) =>
          log.warn({ err: error.message, dir }, 'certificate watch failed; polling only'),
        );
        // Never what keeps a process alive: one whose start fails after this must still exit.
        watcher.unref();
        this.#watchers.push(watcher);
      } catch (error) {
        log.warn({ err: (error as Error).message, dir }, 'cannot watch the certificate folder; polling only');
      }
    }
    this.#poller = setInterval(() => void this.reload(), options.pollIntervalMs ?? 1000).unref();
  }

  /**
   * Loads the files (throwing, with the file named, if they are unusable: a process does not start
   * with a certificate no peer would accept) and watches them.
   */
  static async open(
    files: Required<TlsFiles>,
    log: Logger,
    options: KeyPairWatcherOptions = {},
  ): Promise<KeyPairWatcher> {
    const stamp = await stampOf(files);
    const material = (await loadTlsFiles(files)) as OwnTlsMaterial;
    let leaf: LeafSummary;
    try {
      leaf = checkLeaf(material, identityFromCertificate(material.certPem));
    } catch (error) {
      throw new Error(`${files.certFile}: ${(error as Error).message}`, { cause: error });
    }
    return new KeyPairWatcher(files, material, leaf, stamp, log, options);
  }

  get current(): OwnTlsMaterial {
    return this.#material;
  }

  get leaf(): LeafSummary {
    return this.#leaf;
  }

  /** Calls `listener` with every pair accepted from now on. */
  onChange(listener: Listener): void {
    this.#listeners.push(listener);
  }

  /**
   * Re-reads the files if they changed since the last look; resolves true if a new pair took
   * effect. Reloads run one at a time.
   */
  reload(): Promise<boolean> {
    this.#reloading = this.#reloading.then(() => this.#reloadOnce());
    return this.#reloading;
  }

  close(): void {
    for (const watcher of this.#watchers) watcher.close();
    clearInterval(this.#poller);
    clearTimeout(this.#debounce);
  }

  async #reloadOnce(): Promise<boolean> {
    let stamp: string;
    let material: OwnTlsMaterial;
    try {
      stamp = await stampOf(this.files);
      if (stamp === this.#stamp) return false;
      material = (await loadTlsFiles(this.files)) as OwnTlsMaterial;
    } catch {
      return false; // A file between its unlink and the new one's rename: the next look sees it.
    }
    this.#stamp = stamp;
    if (sameMaterial(material, this.#material)) return false;
    let leaf: LeafSummary;
    try {
      leaf = checkLeaf(material, this.#leaf.identity);
    } catch (error) {
      this.log.warn(
        {
          certFile: this.files.certFile,
          err: (error as Error).message,
          serialNumber: this.#leaf.serialNumber,
        },
        'new certificate files refused; keeping the certificate in use',
      );
      return false;
    }
    this.#material = material;
    this.#leaf = leaf;
    this.log.info(
      {
        certFile: this.files.certFile,
        serialNumber: leaf.serialNumber,
        fingerprint256: leaf.fingerprint256,
        notAfter: leaf.notAfter.toISOString(),
      },
      'certificate reloaded',
    );
    for (const listener of this.#listeners) {
      try {
        listener(material, leaf);
      } catch (error) {
        this.log.error({ err: error }, 'applying the reloaded certificate failed');
      }
    }
    return true;
  }
}

async function stampOf(files: Required<TlsFiles>): Promise<string> {
  const stats = await Promise.all([files.caFile, files.certFile, files.keyFile].map((f) => stat(f)));
  return stats.map((s) => `${s.ino}:${s.size}:${s.mtimeMs}`).join('|');
}

function sameMaterial(a: TlsMaterial, b: TlsMaterial): boolean {
  const eq = (x: string | Buffer | undefined, y: string | Buffer | undefined): boolean =>
    x !== undefined && y !== undefined && Buffer.from(x).equals(Buffer.from(y));
  return eq(a.caPem, b.caPem) && eq(a.certPem, b.certPem) && eq(a.keyPem, b.keyPem);
}
