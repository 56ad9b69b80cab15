import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { asError } from './errors.js';
import { Heartbeat } from './heartbeat.js';
import { readRecords, removeRecord, writeRecord, type HeartbeatRecord } from './heartbeat-file.js';
import type {
  ListedInstance,
  RegisterOptions,
  Registration,
  Registry,
  ShardInstance,
  Watch,
} from './registry.js';
import {
  checkShardInstance,
  instancesKey,
  withRegisterDefaults,
  type ResolvedRegisterOptions,
} from './shard-instance.js';

/**
 * The single-host default: a folder of heartbeat files (see `heartbeat-file.ts`) that
 * `shardmesh up` shares between the router and the shards it starts. No daemon to run; liveness
 * is judged from each file's `expiresAtMs`, so all processes must share one clock (one host).
 */

export const DEFAULT_EMBEDDED_DIR = '.shardmesh/registry';

export interface EmbeddedRegistryOptions {
  /** The shared folder; relative paths resolve against the working directory. @default '.shardmesh/registry' */
  readonly dir?: string;
  /** How often a watch rereads the folder. @default 250 */
  readonly pollMs?: number;
  /** Where heartbeat failures go; nothing is logged here. @default ignore */
  readonly onError?: (error: Error) => void;
}

export class EmbeddedRegistry implements Registry {
  readonly description: string;
  readonly dir: string;
  readonly #pollMs: number;
  readonly #onError: (error: Error) => void;

  constructor(options: EmbeddedRegistryOptions = {}) {
    this.dir = resolve(options.dir ?? DEFAULT_EMBEDDED_DIR);
    this.#pollMs = options.pollMs ?? 250;
    if (!Number.isInteger(this.#pollMs) || this.#pollMs < 1) {
      throw new TypeError(`pollMs must be a positive integer, got ${options.pollMs}`);
    }
    this.#onError = options.onError ?? (() => {});
    this.description = `embedded:${this.dir}`;
  }

  async register(instance: ShardInstance, options?: RegisterOptions): Promise<Registration> {
    const registration = new EmbeddedRegistration(
      this.dir,
      checkShardInstance(instance),
      withRegisterDefaults(options),
      this.#onError,
    );
    await mkdir(this.dir, { recursive: true });
    await registration.start();
    return registration;
  }

  watch(onChange: (instances: readonly ShardInstance[]) => void, onError?: (error: Error) => void): Watch {
    let closed = false;
    let timer: NodeJS.Timeout | undefined;
    let lastKey: string | undefined;
    const report = onError ?? (() => {});
    const poll = async (): Promise<void> => {
      try {
        const instances = await passingInstances(this.dir, Date.now());
        const key = instancesKey(instances);
        if (closed || key === lastKey) return;
        lastKey = key;
        onChange(instances);
      } catch (error) {
        if (!closed) report(asError(error));
      } finally {
        // A chain of timeouts, not an interval, so a slow disk never overlaps two polls.
        if (!closed) timer = setTimeout(() => void poll(), this.#pollMs).unref();
      }
    };
    void poll();
    return {
      close: () => {
        closed = true;
        clearTimeout(timer);
      },
    };
  }

  /** Nothing stays open between calls: each reads the folder afresh. */
  close(): void {}

  async list(): Promise<readonly ListedInstance[]> {
    const nowMs = Date.now();
    const { records } = await readRecords(this.dir);
    return records.filter((r) => !reapable(r, nowMs)).map((r) => listed(r, nowMs));
  }
}

/** A record's instance and status at `nowMs`. */
function listed(r: HeartbeatRecord, nowMs: number): ListedInstance {
  if (r.status === 'critical')
    return { instance: r.instance, status: 'critical', ...(r.note === undefined ? {} : { note: r.note }) };
  // Passing as last written, until its owner falls silent past the record's expiry.
  return r.expiresAtMs > nowMs
    ? { instance: r.instance, status: 'passing' }
    : { instance: r.instance, status: 'critical', note: 'heartbeat expired' };
}

/** Dead for longer than its `deregisterAfterMs`: no longer listed, and removed by watches. */
const reapable = (r: HeartbeatRecord, nowMs: number): boolean => nowMs - r.expiresAtMs > r.deregisterAfterMs;

/** The passing set now; also deletes records dead for longer than their `deregisterAfterMs`. */
async function passingInstances(dir: string, nowMs: number): Promise<readonly ShardInstance[]> {
  const { records } = await readRecords(dir);
  const passing: ShardInstance[] = [];
  for (const record of records) {
    if (listed(record, nowMs).status === 'passing') passing.push(record.instance);
    else if (reapable(record, nowMs)) {
      // Best-effort, like Consul's reaper. Another watcher may win the race, and an owner that
      // was merely stalled (not dead) rewrites its file on its next heartbeat.
      await removeRecord(dir, record.instance.id).catch(() => {});
    }
  }
  return Object.freeze(passing);
}

class EmbeddedRegistration implements Registration {
  #status: 'passing' | 'critical' = 'passing';
  #note: string | undefined;
  #heartbeat: Heartbeat | undefined;
  #deregistered: Promise<void> | undefined;

  constructor(
    private readonly dir: string,
    private readonly instance: ShardInstance,
    private readonly options: ResolvedRegisterOptions,
    private readonly onError: (error: Error) => void,
  ) {}

  async start(): Promise<void> {
    await this.#write();
    const intervalMs = Math.max(10, Math.floor(this.options.ttlMs / 3));
    this.#heartbeat = new Heartbeat(() => this.#write(), intervalMs, this.onError);
  }

  #write(): Promise<void> {
    const record: HeartbeatRecord = {
      instance: this.instance,
      status: this.#status,
      ...(this.#note === undefined ? {} : { note: this.#note }),
      expiresAtMs: Date.now() + this.options.ttlMs,
      deregisterAfterMs: this.options.deregisterAfterMs,
    };
    return writeRecord(this.dir, record);
  }

  setStatus(status: 'passing' | 'critical', note?: string): Promise<void> {
    const heartbeat = this.#heartbeat;
    if (heartbeat === undefined || heartbeat.stopped) return Promise.resolve();
    return heartbeat.exclusive(async () => {
      this.#status = status;
      this.#note = note;
      await this.#write();
    });
  }

  deregister(): Promise<void> {
    this.#deregistered ??= (async () => {
      await this.#heartbeat?.stop();
      await removeRecord(this.dir, this.instance.id);
    })();
    return this.#deregistered;
  }
}
