import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../lib/log.js';
import type { Tensor } from '../../lib/tensor/tensor.js';
import type { Registration } from '../../registry/registry.js';
import type { ModelRunner } from './model-runner.js';
import { parseSelector, selectPartitions, type ServedPartition } from './partition-catalog.js';

export interface LivePartitionsDeps {
  /** The `--models` folder partitions are looked up in. */
  readonly modelRepository: string;
  readonly open: (p: ServedPartition) => Promise<ModelRunner>;
  readonly register: (p: ServedPartition) => Promise<Registration>;
  /** Brings a version's files into `modelRepository` when they are not there (`shardmesh fetch`). */
  readonly fetchMissing?: (model: string, version: string) => Promise<void>;
  /**
   * After deregistering, how long calls may still arrive (routers see the change within a
   * blocking-query round trip) before the runner may close once idle. @default 1000
   */
  readonly deregisterGraceMs?: number;
  /** Longest wait for calls in flight before the runner closes anyway. @default 30000 */
  readonly drainTimeoutMs?: number;
  readonly log: Logger;
}

interface Live {
  readonly partition: ServedPartition;
  readonly runner: CountingRunner;
  readonly registration: Registration;
}

/**
 * The partitions a generic worker loads and unloads at run time, as placement assigns them
 * (services/placement/placement-worker.ts). Beside the `--serve` catalog, which is fixed at start.
 */
export class LivePartitions {
  readonly #live = new Map<string, Live>();
  readonly #deps: Required<Omit<LivePartitionsDeps, 'fetchMissing'>> &
    Pick<LivePartitionsDeps, 'fetchMissing'>;

  constructor(deps: LivePartitionsDeps) {
    this.#deps = { deregisterGraceMs: 1_000, drainTimeoutMs: 30_000, ...deps };
  }

  keys(): readonly string[] {
    return [...this.#live.keys()];
  }

  runner(key: string): ModelRunner | undefined {
    return this.#live.get(key)?.runner;
  }

  /** Opens the partition (fetching its version first if the folder lacks it) and registers it. */
  async load(key: string): Promise<void> {
    if (this.#live.has(key)) return;
    const selector = parseSelector(key);
    let [partition] = await this.#select(selector);
    if (partition === undefined && this.#deps.fetchMissing) {
      await this.#deps.fetchMissing(selector.model, selector.version);
      [partition] = await this.#select(selector);
    }
    if (partition === undefined) throw new Error(`partition ${key} is not in ${this.#deps.modelRepository}`);
    const runner = new CountingRunner(await this.#deps.open(partition));
    let registration: Registration;
    try {
      // Served before registered: a router may call as soon as it sees the record.
      this.#live.set(key, { partition, runner, registration: NOT_REGISTERED });
      registration = await this.#deps.register(partition);
    } catch (error) {
      this.#live.delete(key);
      await runner.close();
      throw error;
    }
    this.#live.set(key, { partition, runner, registration });
    this.#deps.log.info(
      { partition: key, loaded: this.#live.size, weightBytes: runner.weightBytes },
      'partition loaded',
    );
  }

  /** A worker may start with no `--models` folder at all: it fetches into it what it is assigned. */
  async #select(selector: ReturnType<typeof parseSelector>): Promise<ServedPartition[]> {
    try {
      return await selectPartitions(this.#deps.modelRepository, [selector]);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }

  /**
   * Deregisters, waits `deregisterGraceMs` and then for the calls in flight (up to
   * `drainTimeoutMs`), then closes the runner, which releases ONNX Runtime's session and its memory:
   * to the OS for tensors of 32 MiB or more, to malloc's free lists for smaller ones
   * (docs/model-repository.md, "Memory after unload").
   */
  async unload(key: string): Promise<void> {
    const live = this.#live.get(key);
    if (!live) return;
    await live.registration.deregister();
    await sleep(this.#deps.deregisterGraceMs);
    const idle = await live.runner.idleWithin(this.#deps.drainTimeoutMs);
    this.#live.delete(key);
    await live.runner.close();
    this.#deps.log.info({ partition: key, loaded: this.#live.size, cutOff: !idle }, 'partition unloaded');
  }

  /** On shard drain: routers stop sending; the runners stay for the calls in flight. */
  async deregister(): Promise<void> {
    await Promise.allSettled([...this.#live.values()].map((l) => l.registration.deregister()));
  }

  /** On shard stop, once its calls have ended: frees every runner. */
  async close(): Promise<void> {
    const all = [...this.#live.values()];
    this.#live.clear();
    await Promise.allSettled(all.map((l) => l.registration.deregister()));
    await Promise.allSettled(all.map((l) => l.runner.close()));
  }
}

const NOT_REGISTERED: Registration = {
  setStatus: () => Promise.resolve(),
  deregister: () => Promise.resolve(),
};

/** A runner that knows how many runs are in flight, so unloading waits for them. */
class CountingRunner implements ModelRunner {
  #inFlight = 0;
  #idle: (() => void)[] = [];

  constructor(private readonly inner: ModelRunner) {}

  get inputs() {
    return this.inner.inputs;
  }
  get outputNames() {
    return this.inner.outputNames;
  }
  get weightBytes() {
    return this.inner.weightBytes;
  }
  get stopsEarly() {
    return this.inner.stopsEarly;
  }

  outputBytes(inputs: Parameters<NonNullable<ModelRunner['outputBytes']>>[0]): number {
    return this.inner.outputBytes?.(inputs) ?? 0;
  }

  async run(inputs: readonly Tensor[], signal?: AbortSignal): Promise<Tensor[]> {
    this.#inFlight++;
    try {
      return await this.inner.run(inputs, signal);
    } finally {
      if (--this.#inFlight === 0) for (const wake of this.#idle.splice(0)) wake();
    }
  }

  /** Resolves true once no run is in flight, or false after `ms`. */
  async idleWithin(ms: number): Promise<boolean> {
    if (this.#inFlight === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const idle = new Promise<true>((resolve) => this.#idle.push(() => resolve(true)));
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
    try {
      return await Promise.race([idle, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
