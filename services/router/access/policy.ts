import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { ModelRef, Principal, Verb } from './principal.js';

/**
 * The authorization policy (issue 10): allow rules that map principals to verbs on models, and
 * per-principal quotas. Anything no rule allows is denied. A file is JSON or YAML (YAML is a
 * superset of JSON, so one parser reads both); `loadPolicy` refuses a bad one with a PolicyError
 * naming the file, the path in it and what is wrong.
 */

export const VERBS = ['infer', 'metadata', 'statistics', 'admin'] as const satisfies readonly Verb[];

// `*` matches any run of characters; in a SPIFFE id it stops at `/`, so `client/*` cannot reach
// into a deeper path. Patterns are compiled once, when the policy loads.
const GLOB_SPECIAL = /[.+?^${}()|[\]\\]/g;
function glob(pattern: string, star: string): RegExp {
  return new RegExp(`^${pattern.replace(GLOB_SPECIAL, '\\$&').replaceAll('*', star)}$`);
}

const principalMatcher = z
  .strictObject({
    spiffe: z.string().startsWith('spiffe://', 'a SPIFFE id pattern starts with spiffe://').optional(),
    subject: z.string().min(1).optional(),
    claim: z.string().min(1).optional(),
    includes: z.string().optional(),
    equals: z.string().optional(),
  })
  .superRefine((m, ctx) => {
    const kinds = [m.spiffe, m.subject, m.claim].filter((k) => k !== undefined).length;
    if (kinds !== 1)
      ctx.addIssue({ code: 'custom', message: 'a principal names exactly one of spiffe, subject or claim' });
    else if (m.claim !== undefined && (m.includes === undefined) === (m.equals === undefined))
      ctx.addIssue({ code: 'custom', message: `claim '${m.claim}' needs exactly one of includes or equals` });
    else if (m.claim === undefined && (m.includes !== undefined || m.equals !== undefined))
      ctx.addIssue({ code: 'custom', message: 'includes and equals go with claim' });
  });

const modelPattern = z
  .string()
  .regex(/^[^:\s]+(:[^:\s]+)?$/, 'a model pattern is NAME or NAME:VERSION (with * wildcards)');

const quota = z
  .strictObject({
    requestsPerSecond: z.number().positive().optional(),
    /** Requests allowed at once after a quiet spell. @default ceil(requestsPerSecond) */
    requestsBurst: z.int().positive().optional(),
    bytesPerSecond: z.number().positive().optional(),
    /** Request bytes allowed at once after a quiet spell. @default one second's worth */
    bytesBurst: z.int().positive().optional(),
    concurrentRequests: z.int().positive().optional(),
  })
  .refine((q) => Object.keys(q).length > 0, 'a quota sets at least one limit');

const rule = z.strictObject({
  /** Shown by `shardmesh policy check`; never sent to clients. */
  name: z.string().optional(),
  principals: z.array(principalMatcher).min(1),
  verbs: z.array(z.enum([...VERBS, '*'])).min(1),
  models: z.array(modelPattern).min(1),
});

const quotaEntry = z.strictObject({
  name: z.string().optional(),
  principals: z.array(principalMatcher).min(1),
  /** Each matching principal gets buckets of its own of this size; they are not shared. */
  quota,
});

const policySchema = z.strictObject({
  version: z.literal(1),
  rules: z.array(rule),
  /** The first entry whose principals match gives a caller's quota; no match: no limit. */
  quotas: z.array(quotaEntry).default([]),
});

export type PolicyDocument = z.input<typeof policySchema>;
export type Quota = z.infer<typeof quota>;
type PrincipalMatcher = z.infer<typeof principalMatcher>;

/** A validated policy with its patterns compiled; immutable, so a reload swaps the whole object. */
export interface Policy {
  readonly rules: readonly CompiledRule[];
  readonly quotas: readonly CompiledQuota[];
}

interface CompiledRule {
  readonly label: string;
  readonly matches: (p: Principal) => boolean;
  readonly verbs: ReadonlySet<string>;
  /** `version` undefined: every version. */
  readonly models: readonly { name: RegExp; version: RegExp | undefined }[];
}

interface CompiledQuota {
  readonly label: string;
  readonly matches: (p: Principal) => boolean;
  readonly quota: Quota;
}

export interface Decision {
  readonly allowed: boolean;
  /** The rule that allowed the call, as `rules[2] "ml-team"`; undefined when nothing did (default deny). */
  readonly rule: string | undefined;
}

export class PolicyError extends Error {
  constructor(
    readonly file: string,
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${file}: ${path ? `${path}: ` : ''}${reason}`);
    this.name = 'PolicyError';
  }
}

/** Who decided: operators read this; clients never see it. */
export function decide(policy: Policy, principal: Principal, verb: Verb, model: ModelRef): Decision {
  for (const r of policy.rules) {
    if (!r.verbs.has(verb) && !r.verbs.has('*')) continue;
    if (!r.models.some((m) => modelMatches(m, model)) || !r.matches(principal)) continue;
    return { allowed: true, rule: r.label };
  }
  return { allowed: false, rule: undefined };
}

/** The quota that applies to `principal`, and which entry gave it; undefined: no limit. */
export function quotaFor(policy: Policy, principal: Principal): CompiledQuota | undefined {
  return policy.quotas.find((q) => q.matches(principal));
}

/** An empty version asks for whichever version the router picks, so only a rule for every version allows it. */
function modelMatches(pattern: CompiledRule['models'][number], model: ModelRef): boolean {
  if (!pattern.name.test(model.name)) return false;
  if (pattern.version === undefined) return true;
  return model.version !== '' && pattern.version.test(model.version);
}

export function compilePolicy(document: unknown, file: string): Policy {
  const parsed = policySchema.safeParse(document);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new PolicyError(file, formatPath(issue.path), issue.message);
  }
  const label = (kind: string, i: number, name: string | undefined): string =>
    `${kind}[${i}]${name === undefined ? '' : ` ${JSON.stringify(name)}`}`;
  return Object.freeze({
    rules: parsed.data.rules.map((r, i) => ({
      label: label('rules', i, r.name),
      matches: anyOf(r.principals),
      verbs: new Set<string>(r.verbs),
      models: r.models.map((m) => {
        const [name, version] = m.split(':') as [string, string | undefined];
        // `NAME` and `NAME:*` both mean every version, including the router's pick for an empty one.
        const everyVersion = version === undefined || version === '*';
        return { name: glob(name, '.*'), version: everyVersion ? undefined : glob(version, '.*') };
      }),
    })),
    quotas: parsed.data.quotas.map((q, i) => ({
      label: label('quotas', i, q.name),
      matches: anyOf(q.principals),
      quota: q.quota,
    })),
  });
}

/** Reads and compiles a policy file; throws PolicyError for an unreadable, unparsable or invalid one. */
export async function loadPolicy(file: string): Promise<Policy> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new PolicyError(
      file,
      '',
      `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    );
  }
  return parsePolicy(text, file);
}

export function parsePolicy(text: string, file: string): Policy {
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw new PolicyError(file, '', `is not JSON or YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  return compilePolicy(document, file);
}

function anyOf(matchers: readonly PrincipalMatcher[]): (p: Principal) => boolean {
  const tests = matchers.map(compileMatcher);
  return (p) => tests.some((t) => t(p));
}

function compileMatcher(m: PrincipalMatcher): (p: Principal) => boolean {
  if (m.spiffe !== undefined) {
    const re = glob(m.spiffe, '[^/]*');
    return (p) => p.kind === 'certificate' && re.test(p.id);
  }
  if (m.subject !== undefined) {
    const re = glob(m.subject, '.*');
    return (p) => p.kind === 'token' && re.test(p.id);
  }
  const { claim, includes, equals } = m;
  return (p) => {
    const value = p.claims[claim!];
    if (equals !== undefined) return value === equals;
    // A claim such as `groups` is a list; a single-valued one counts as a list of one.
    return Array.isArray(value) ? value.includes(includes) : value === includes;
  };
}

/** `['rules', 0, 'verbs', 1]` → `rules[0].verbs[1]`, as the plan validator names fields. */
function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)),
    '',
  );
}
