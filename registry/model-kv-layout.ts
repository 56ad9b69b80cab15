import { validatePlan } from '../lib/plan/validate.js';
import type { Plan } from '../lib/plan/schema.js';

/**
 * The model repository in Consul KV (docs/model-repository.md), as pure functions over keys and
 * values so the layout is tested without an agent:
 *
 *   <prefix><name>/versions/<version>/plan   the plan as JSON, partitions with bytes, sha256, url
 *   <prefix><name>/desired                   {"state":"LOADED"} or {"state":"UNLOADED","reason":…}
 *
 * `<prefix>` is `shardmesh/models/` by default. A published version is immutable: publishing it
 * again with another plan is refused (`publish` writes with check-and-set index 0). A model with no
 * `desired` key is LOADED, so publishing alone makes a model servable.
 */

export const DEFAULT_MODELS_PREFIX = 'shardmesh/models/';

/**
 * Consul's default `kv_max_value_size`: a larger value is refused by the agent with a 413. The
 * check is done here first, so the message names the plan and what to do.
 */
export const CONSUL_MAX_VALUE_BYTES = 512 * 1024;

export type DesiredState =
  { readonly state: 'LOADED' } | { readonly state: 'UNLOADED'; readonly reason: string };

export const LOADED: DesiredState = Object.freeze({ state: 'LOADED' });

/** One published version as the router sees it. */
export interface PublishedVersion {
  readonly plan: Plan;
  readonly desired: DesiredState;
}

export const planKey = (prefix: string, name: string, version: string): string =>
  `${prefix}${name}/versions/${version}/plan`;

export const desiredKey = (prefix: string, name: string): string => `${prefix}${name}/desired`;

/** Thrown when a plan does not fit in one Consul value; the message says by how much. */
export class PlanTooLargeError extends Error {
  constructor(
    readonly plan: string,
    readonly bytes: number,
    readonly limitBytes: number,
  ) {
    super(
      `plan of ${plan} is ${bytes} bytes as JSON, over Consul's ${limitBytes}-byte value limit (kv_max_value_size); ` +
        'a plan names files and tensor specs only, so this one likely lists too many partitions',
    );
    this.name = 'PlanTooLargeError';
  }
}

/** The value written at `planKey`: compact JSON, refused when over `limitBytes`. */
export function encodePlan(plan: Plan, limitBytes = CONSUL_MAX_VALUE_BYTES): string {
  const text = JSON.stringify(plan);
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > limitBytes) throw new PlanTooLargeError(`${plan.name}/${plan.version}`, bytes, limitBytes);
  return text;
}

export const encodeDesired = (desired: DesiredState): string => JSON.stringify(desired);

export function decodeDesired(text: string): DesiredState {
  const value = JSON.parse(text) as { state?: unknown; reason?: unknown };
  if (value.state === 'LOADED') return LOADED;
  if (value.state === 'UNLOADED')
    return { state: 'UNLOADED', reason: typeof value.reason === 'string' ? value.reason : '' };
  throw new TypeError(`state must be "LOADED" or "UNLOADED", not ${JSON.stringify(value.state)}`);
}

/** One KV entry of a recursive read, as the consul package returns it (Value decoded to text). */
export interface KvEntry {
  readonly Key?: unknown;
  readonly Value?: unknown;
  /** The session holding the key (a lock or a worker record), if any. */
  readonly Session?: unknown;
}

const PLAN_KEY = /^([A-Za-z0-9_.-]+)\/versions\/([0-9]+)\/plan$/;
const DESIRED_KEY = /^([A-Za-z0-9_.-]+)\/desired$/;

/**
 * The published versions under `prefix`, newest version last per model. An entry that does not
 * decode (a plan that fails validation, a key whose name or version disagrees with the plan, an
 * unreadable desired state) is reported in `problems` and left out; the rest still serve. Keys the
 * layout does not name are ignored, so later additions do not break older routers.
 */
export function decodeRepository(
  prefix: string,
  entries: readonly KvEntry[],
): { versions: PublishedVersion[]; problems: Error[] } {
  const plans: Plan[] = [];
  const desired = new Map<string, DesiredState>();
  const problems: Error[] = [];
  for (const entry of entries) {
    if (typeof entry.Key !== 'string' || !entry.Key.startsWith(prefix)) continue;
    const rest = entry.Key.slice(prefix.length);
    const text = typeof entry.Value === 'string' ? entry.Value : '';
    try {
      const planMatch = PLAN_KEY.exec(rest);
      if (planMatch) {
        const plan = validatePlan(JSON.parse(text));
        if (plan.name !== planMatch[1] || plan.version !== planMatch[2])
          throw new Error(`holds the plan of ${plan.name}/${plan.version}`);
        plans.push(plan);
        continue;
      }
      const desiredMatch = DESIRED_KEY.exec(rest);
      if (desiredMatch) desired.set(desiredMatch[1]!, decodeDesired(text));
    } catch (error) {
      problems.push(new Error(`Consul key ${entry.Key}: ${(error as Error).message}`, { cause: error }));
    }
  }
  plans.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : Number(a.version) - Number(b.version)));
  const versions = plans.map((plan) => ({ plan, desired: desired.get(plan.name) ?? LOADED }));
  return { versions, problems };
}
