import type { Plan } from '../lib/plan/schema.js';
import type { ConsulClient } from './consul-client.js';
import { watchKeysUnder } from './kv-prefix-watch.js';
import {
  DEFAULT_MODELS_PREFIX,
  decodeRepository,
  desiredKey,
  encodeDesired,
  encodePlan,
  planKey,
  type DesiredState,
  type PublishedVersion,
} from './model-kv-layout.js';
import { versionsKey, type ModelRepository } from './model-repository.js';
import { encodeReplicas, replicasKey } from './placement-kv-layout.js';
import type { Watch } from './registry.js';

export interface ConsulModelRepositoryOptions {
  /** @default DEFAULT_MODELS_PREFIX ('shardmesh/models/') */
  readonly prefix?: string;
  /** How long each blocking query may wait for a change. @default 30000 */
  readonly waitMs?: number;
  /** First retry delay after an error; doubles up to 5 s. @default 250 */
  readonly minBackoffMs?: number;
}

/** What publishing a version did. */
export type PublishOutcome = 'written' | 'unchanged';

/** The calls this file makes; a seam for tests of the loop. */
export type KvSource = Pick<ConsulClient, 'keysUnder' | 'readKey' | 'writeKey'>;

/** The model repository in Consul KV, laid out as model-kv-layout.ts says. */
export class ConsulModelRepository implements ModelRepository {
  readonly description: string;
  readonly prefix: string;
  readonly #settings: { waitMs: number; minBackoffMs: number };
  readonly #watches = new Set<Watch>();

  constructor(
    private readonly client: KvSource & { close?(): void },
    where: string,
    options: ConsulModelRepositoryOptions = {},
  ) {
    this.prefix = options.prefix ?? DEFAULT_MODELS_PREFIX;
    if (!this.prefix.endsWith('/') || this.prefix.startsWith('/'))
      throw new TypeError(`prefix "${this.prefix}" must end with "/" and not start with one`);
    this.#settings = { waitMs: options.waitMs ?? 30_000, minBackoffMs: options.minBackoffMs ?? 250 };
    this.description = `${where} ${this.prefix}`;
  }

  /**
   * Writes a version's plan. Versions are immutable: the plan is written only where there is none
   * (check-and-set 0); the same plan again is 'unchanged', another plan is refused.
   */
  async publish(plan: Plan): Promise<PublishOutcome> {
    const key = planKey(this.prefix, plan.name, plan.version);
    const value = encodePlan(plan);
    if (await this.client.writeKey(key, value, 0)) return 'written';
    if ((await this.client.readKey(key)) === value) return 'unchanged';
    throw new Error(
      `${plan.name}/${plan.version} is already published with another plan; versions are immutable: publish it as a new version`,
    );
  }

  /**
   * How many replicas of each partition of a version placement keeps (registry/placement-kv-layout.ts).
   * Unlike the plan it may change: the placement leader adds or removes replicas to match.
   */
  async setReplicas(name: string, version: string, replicas: number): Promise<void> {
    await this.client.writeKey(replicasKey(this.prefix, name, version), encodeReplicas(replicas));
  }

  async setDesired(name: string, desired: DesiredState): Promise<void> {
    await this.client.writeKey(desiredKey(this.prefix, name), encodeDesired(desired));
  }

  /**
   * The versions under the prefix, first as soon as known and then after each change, through one
   * recursive blocking query (kv-prefix-watch.ts). A key that does not decode is reported and left
   * out; a version whose key vanished stays (keepVanished).
   */
  watch(onChange: (versions: readonly PublishedVersion[]) => void, onError: (error: Error) => void): Watch {
    let lastKey: string | undefined;
    const known: Known = new Map();
    const inner = watchKeysUnder(
      this.client,
      this.prefix,
      (entries) => {
        const decoded = decodeRepository(this.prefix, entries);
        for (const problem of decoded.problems) onError(problem);
        const versions = keepVanished(known, decoded.versions, onError);
        const key = versionsKey(versions);
        if (key === lastKey) return;
        lastKey = key;
        onChange(Object.freeze(versions));
      },
      onError,
      this.#settings,
    );
    const watch = {
      close: () => {
        inner.close();
        this.#watches.delete(watch);
      },
    };
    this.#watches.add(watch);
    return watch;
  }

  close(): void {
    for (const watch of [...this.#watches]) watch.close();
    this.client.close?.();
  }
}

const idOf = (v: PublishedVersion): string => `${v.plan.name}/${v.plan.version}`;

/** What a watch remembers of each version it delivered, and whether it has vanished from KV. */
type Known = Map<string, { version: PublishedVersion; vanished: boolean }>;

/**
 * A published version is never withdrawn by a key going missing: versions are immutable and a
 * model stops serving through its desired state (RepositoryModelUnload), so a plan that vanishes
 * is a Consul that lost its data or was restored without it, not an operator's decision. The watch
 * keeps delivering the version as last seen (reported once through `onError`), with the desired
 * state of its model's other versions if any are present; a router forgets it only when it
 * restarts. `known` is the watch's memory, updated in place.
 */
function keepVanished(
  known: Known,
  versions: readonly PublishedVersion[],
  onError: (error: Error) => void,
): PublishedVersion[] {
  const present = new Map(versions.map((v) => [idOf(v), v]));
  const desiredOf = new Map(versions.map((v) => [v.plan.name, v.desired]));
  for (const [id, entry] of known) {
    if (present.has(id)) continue;
    if (!entry.vanished)
      onError(new Error(`${id} is no longer in Consul KV; still serving it as last published`));
    const desired = desiredOf.get(entry.version.plan.name) ?? entry.version.desired;
    known.set(id, { version: { ...entry.version, desired }, vanished: true });
  }
  for (const [id, version] of present) known.set(id, { version, vanished: false });
  return [...known.values()]
    .map((e) => e.version)
    .sort((a, b) =>
      a.plan.name < b.plan.name
        ? -1
        : a.plan.name > b.plan.name
          ? 1
          : Number(a.plan.version) - Number(b.plan.version),
    );
}
