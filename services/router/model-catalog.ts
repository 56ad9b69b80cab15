import type { Plan } from '../../lib/plan/schema.js';
import { notFound, unavailable } from '../../lib/grpc/service-error.js';
import { clip, MAX_QUOTED_BYTES } from '../../lib/grpc/status-text.js';
import type { DesiredState, PublishedVersion } from '../../registry/model-repository.js';
import type { RoutingTable } from './routing-table.js';
import { firstMissingPartition, modelReady } from './model-readiness.js';

/** Triton's words for a model it does not know, the name cut to MAX_QUOTED_BYTES. */
const unknownModel = (name: string): string =>
  `Request for unknown model: '${clip(String(name), MAX_QUOTED_BYTES)}'`;

/** Triton's model states, as RepositoryIndex reports them. */
export type ModelState = 'READY' | 'LOADING' | 'UNAVAILABLE';

export interface ModelIndexEntry {
  readonly name: string;
  readonly version: string;
  readonly state: ModelState;
  /** Why it is not READY; empty when it is. */
  readonly reason: string;
}

const sameDesired = (a: DesiredState, b: DesiredState): boolean =>
  a.state === b.state && (a.state === 'LOADED' || a.reason === (b as typeof a).reason);

const versionId = (plan: Plan): string => `${plan.name}\n${plan.version}`;

/**
 * The plans the router knows and each model's desired state, as the model repository last said
 * (registry/model-repository.ts: Consul KV or the --models folder). Replaced whole on each change,
 * like the routing table; between changes, requests resolve against the same snapshot.
 *
 * Which version serves a request that names none: the newest version that is READY (every
 * partition of every stage has a passing replica), so a newly published version takes traffic only
 * once all of it can run; when none is ready, the newest, whose request then fails UNAVAILABLE.
 * Every request runs one plan, so all its partitions are of one version.
 */
export class ModelCatalog {
  /** What the repository last reported. */
  #reported: readonly PublishedVersion[] = [];
  /** `#reported` with held writes applied: what every answer reads (through `#current`). */
  #versions: readonly PublishedVersion[] = [];
  /** Versions seen READY since they were published: a version that has not been is LOADING. */
  readonly #seenReady = new Set<string>();
  /**
   * Per model, the desired states this router wrote that the repository has not reported back
   * yet, oldest first, and when they stop being held. A watch read that began before a write
   * reports the state before it: without this, an Unload's late echo would undo the Load that
   * followed it. The newest is what the router answers with.
   */
  readonly #written = new Map<string, { readonly pending: DesiredState[]; until: number }>();
  /** `#versions` by model name, remade with it: every request resolves its model. */
  #byName = new Map<string, readonly PublishedVersion[]>();
  /**
   * The version chosen for a request that names none, per model, and the list and routing table
   * it was chosen from (both are replaced whole on a change): made again only after one changes,
   * not for every request (the readiness of every partition of every version).
   */
  #unversioned: {
    readonly versions: readonly PublishedVersion[];
    readonly table: RoutingTable | undefined;
    readonly plans: Map<string, Plan>;
  } = { versions: [], table: undefined, plans: new Map() };

  constructor(
    private readonly table: () => RoutingTable,
    private readonly options: {
      /**
       * How long a written state outranks a repository that reports another: past it, the
       * repository wins (another router may have written since). @default 10000
       */
      readonly holdWrittenMs?: number;
      readonly now?: () => number;
    } = {},
  ) {}

  /** Takes the repository's whole list (a watch's `onChange`). */
  replace(versions: readonly PublishedVersion[]): void {
    this.#reported = Object.freeze([...versions]);
    for (const [name, written] of this.#written) {
      const reported = versions.find((v) => v.plan.name === name)?.desired;
      if (reported === undefined) this.#written.delete(name);
      // Writes are confirmed in the order they were made. A report equal to a later write may be a
      // read from before the earlier ones (Load, Unload, Load: the first state again), so only the
      // oldest pending write is confirmed by its own state; the newest still answers meanwhile.
      else if (sameDesired(reported, written.pending[0]!)) {
        written.pending.shift();
        if (written.pending.length === 0) this.#written.delete(name);
      }
    }
    this.#apply();
    const published = new Set(versions.map((v) => versionId(v.plan)));
    for (const id of this.#seenReady) if (!published.has(id)) this.#seenReady.delete(id);
    this.observe();
  }

  /**
   * Applies a desired state the router itself just wrote, so its own answers follow at once. It
   * holds until the repository has reported it and every write before it, in order (or
   * `holdWrittenMs` after the last write passes): reports in between are taken as stale. When two
   * writes land in one repository read, the first is never reported alone, so the newest holds
   * until `holdWrittenMs`; it is what the repository says too.
   */
  setDesired(name: string, desired: DesiredState): void {
    const until = (this.options.now ?? Date.now)() + (this.options.holdWrittenMs ?? 10_000);
    const written = this.#written.get(name);
    if (!written) this.#written.set(name, { pending: [desired], until });
    else {
      const newest = written.pending[written.pending.length - 1]!;
      if (!sameDesired(newest, desired)) written.pending.push(desired);
      written.until = until;
    }
    this.#apply();
  }

  /** The repository's list with this router's held writes over it. */
  #apply(): void {
    this.#versions = Object.freeze(
      this.#reported.map((v) => {
        const pending = this.#written.get(v.plan.name)?.pending;
        return pending ? { ...v, desired: pending[pending.length - 1]! } : v;
      }),
    );
    const byName = new Map<string, PublishedVersion[]>();
    for (const v of this.#versions) {
      const same = byName.get(v.plan.name);
      if (same) same.push(v);
      else byName.set(v.plan.name, [v]);
    }
    this.#byName = byName;
  }

  /** The current list, once held writes past their time have given way to the repository's word. */
  get #current(): readonly PublishedVersion[] {
    if (this.#written.size > 0) {
      const now = (this.options.now ?? Date.now)();
      let expired = false;
      for (const [name, written] of this.#written)
        if (now >= written.until) expired = this.#written.delete(name);
      if (expired) this.#apply();
    }
    return this.#versions;
  }

  /** Notes which versions are READY in the current table; call on every table change. */
  observe(): void {
    const table = this.table();
    for (const { plan } of this.#current) if (modelReady(plan, table)) this.#seenReady.add(versionId(plan));
  }

  /** Every published plan, loaded or not. */
  get plans(): readonly Plan[] {
    return this.#current.map((v) => v.plan);
  }

  /** The plans of models whose desired state is LOADED. */
  get loadedPlans(): readonly Plan[] {
    return this.#current.filter((v) => v.desired.state === 'LOADED').map((v) => v.plan);
  }

  has(name: string): boolean {
    return this.#current.some((v) => v.plan.name === name);
  }

  /**
   * The plan for `name` at `version`, or as the class comment says when `version` is empty.
   * NOT_FOUND for an unknown model or version, worded as Triton words it ("Request for unknown
   * model: 'NAME' is not found"), since clients match on that text; UNAVAILABLE for an unloaded
   * model, unless `evenUnloaded`.
   */
  resolve(name: string, version: string, options: { readonly evenUnloaded?: boolean } = {}): Plan {
    const current = this.#current;
    const versions = this.#byName.get(name) ?? [];
    // Other models' names are not listed: a caller may be allowed on some models only (policy),
    // and the router does not tell it what else is served.
    if (versions.length === 0) throw notFound(`${unknownModel(name)} is not found`);
    const desired = versions[0]!.desired;
    if (desired.state === 'UNLOADED' && options.evenUnloaded !== true)
      throw unavailable(
        `${unknownModel(name)} is unloaded${desired.reason === '' ? '' : ` (${clip(desired.reason, MAX_QUOTED_BYTES)})`}; RepositoryModelLoad serves it again`,
      );
    if (version === '') return this.#newestReady(name, versions, current);
    const plan = versions.find((v) => v.plan.version === version)?.plan;
    if (!plan)
      throw notFound(
        `${unknownModel(name)} version ${clip(String(version), MAX_QUOTED_BYTES)} is not found (versions: ${versions.map((v) => v.plan.version).join(', ')})`,
      );
    return plan;
  }

  /** The newest READY version of `name` (of `versions`, its entries in `current`), else the newest. */
  #newestReady(
    name: string,
    versions: readonly PublishedVersion[],
    current: readonly PublishedVersion[],
  ): Plan {
    const table = this.table();
    if (this.#unversioned.versions !== current || this.#unversioned.table !== table)
      this.#unversioned = { versions: current, table, plans: new Map() };
    let chosen = this.#unversioned.plans.get(name);
    if (chosen === undefined) {
      const plans = versions.map((v) => v.plan);
      const newest = (a: Plan, b: Plan): Plan => (Number(b.version) > Number(a.version) ? b : a);
      const ready = plans.filter((p) => modelReady(p, table));
      chosen = (ready.length > 0 ? ready : plans).reduce(newest);
      this.#unversioned.plans.set(name, chosen);
    }
    return chosen;
  }

  /** Every published version with its state, for RepositoryIndex. */
  index(): ModelIndexEntry[] {
    this.observe();
    const table = this.table();
    return this.#current.map(({ plan, desired }) => {
      const at = { name: plan.name, version: plan.version };
      if (desired.state === 'UNLOADED')
        return {
          ...at,
          state: 'UNAVAILABLE',
          reason: `unloaded${desired.reason ? `: ${desired.reason}` : ''}`,
        };
      const missing = firstMissingPartition(plan, table);
      if (missing === undefined) return { ...at, state: 'READY', reason: '' };
      const where = `stage "${missing.stage}" partition ${missing.partition}`;
      return this.#seenReady.has(versionId(plan))
        ? { ...at, state: 'UNAVAILABLE', reason: `${where} has no healthy replica` }
        : { ...at, state: 'LOADING', reason: `waiting for a replica of ${where}` };
    });
  }
}
