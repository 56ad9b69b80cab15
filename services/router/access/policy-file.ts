import { watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../../../lib/log.js';
import { loadPolicy, type Policy } from './policy.js';

/** Where the authorizer and the quota keeper read the policy in force; `current` may change between calls. */
export interface PolicySource {
  readonly current: Policy;
}

export interface PolicyFileOptions {
  /**
   * How often the file's size, mtime and inode are checked, for file systems where `fs.watch`
   * misses changes (network mounts, some containers' bind mounts).
   * @default 1000
   */
  pollIntervalMs?: number;
}

/**
 * A policy file kept in force while it changes on disk. `fs.watch` on the folder (so a file
 * replaced by rename, as editors and Kubernetes ConfigMaps do, is still seen) plus stat polling.
 * A reload reads and validates the whole file first and then swaps one reference: a call reads
 * `current` once, so calls in flight finish under the policy they started with and none is
 * dropped. An invalid new file keeps the old policy and logs why.
 */
export class PolicyFile implements PolicySource {
  #current: Policy;
  #stamp: string;
  #reloading: Promise<boolean> = Promise.resolve(false);
  readonly #watcher: FSWatcher | undefined;
  readonly #poller: NodeJS.Timeout;

  private constructor(
    readonly file: string,
    policy: Policy,
    stamp: string,
    private readonly log: Logger,
    pollIntervalMs: number,
  ) {
    this.#current = policy;
    this.#stamp = stamp;
    const base = path.basename(file);
    try {
      this.#watcher = watch(path.dirname(file), (_event, name) => {
        if (name === null || name === base) void this.reload();
      });
      this.#watcher.on('error', (error) =>
        this.log.warn({ err: error, file }, 'policy watch failed; polling only'),
      );
    } catch (error) {
      this.log.warn({ err: error, file }, 'cannot watch the policy file; polling only');
    }
    this.#poller = setInterval(() => void this.reload(), pollIntervalMs).unref();
  }

  /** Loads `file` (throws PolicyError if it is invalid: a router does not start without a policy) and watches it. */
  static async open(file: string, log: Logger, options: PolicyFileOptions = {}): Promise<PolicyFile> {
    const stamp = await stampOf(file);
    const policy = await loadPolicy(file);
    return new PolicyFile(file, policy, stamp, log, options.pollIntervalMs ?? 1000);
  }

  get current(): Policy {
    return this.#current;
  }

  /**
   * Re-reads the file if it changed since the last load; resolves true if a new policy took
   * effect. Reloads run one at a time, so a burst of watch events reads the file once or twice.
   */
  reload(): Promise<boolean> {
    this.#reloading = this.#reloading.then(() => this.#reloadOnce());
    return this.#reloading;
  }

  close(): void {
    this.#watcher?.close();
    clearInterval(this.#poller);
  }

  async #reloadOnce(): Promise<boolean> {
    let stamp: string;
    try {
      stamp = await stampOf(this.file);
    } catch (error) {
      // Mid-rename the file may be briefly absent; the next event or poll picks the new one up.
      if (this.#stamp !== 'missing')
        this.log.warn({ file: this.file, err: error }, 'policy file unreadable; keeping the policy in force');
      this.#stamp = 'missing';
      return false;
    }
    if (stamp === this.#stamp) return false;
    this.#stamp = stamp;
    try {
      this.#current = await loadPolicy(this.file);
    } catch (error) {
      this.log.error(
        { file: this.file, reason: (error as Error).message },
        'new policy rejected; keeping the old one',
      );
      return false;
    }
    this.log.info({ file: this.file }, 'policy reloaded');
    return true;
  }
}

async function stampOf(file: string): Promise<string> {
  const s = await stat(file);
  return `${s.ino}:${s.size}:${s.mtimeMs}`;
}
