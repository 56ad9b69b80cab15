import { readFile } from 'node:fs/promises';

/** The parts of V8's .cpuprofile (what `node --cpu-prof` and bench/process-probe.ts write) that the summary reads. */
export interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  }[];
  /** Node id of each sample. */
  readonly samples: readonly number[];
  /** Microseconds since the previous sample (the first since startTime). */
  readonly timeDeltas: readonly number[];
}

/** One function's self time in a profile. */
export interface ProfileEntry {
  /** "functionName file:line", or V8's "(garbage collector)", "(program)", "(idle)". */
  readonly name: string;
  readonly selfMs: number;
  /** Share of the busy time: every sample but (idle). */
  readonly percentOfBusy: number;
}

/** A process's .cpuprofile from a profile run (`npm run bench -- --profile`). */
export interface ProfileRecord {
  /** The mesh it ran in, e.g. "overhead-shardmesh-p1". */
  readonly mesh: string;
  /** "router", "shard-0". */
  readonly process: string;
  /** Relative to bench/results. */
  readonly file: string;
  readonly top: readonly ProfileEntry[];
}

function frameName(frame: CpuProfile['nodes'][number]['callFrame']): string {
  const fn = frame.functionName || '(anonymous)';
  // V8's own entries are "(program)", "(garbage collector)"…; any other frame without a script is
  // native code: a binding (getPeerCertificate) or an addon (ONNX Runtime's session run).
  if (!frame.url) return frame.functionName.startsWith('(') ? fn : `${fn} [native]`;
  // Keep the path from node_modules/ or the package's own folders on: enough to find the line.
  const url = frame.url.replace(/^file:\/\//, '');
  const short = /(node_modules\/.*|dist\/.*|node:.*)$/.exec(url)?.[1] ?? url.split('/').slice(-2).join('/');
  return `${fn} ${short}:${frame.lineNumber + 1}`;
}

/** The `limit` functions with the most self time, summed over every node of the same function. */
export function topSelfTime(profile: CpuProfile, limit = 10): ProfileEntry[] {
  const nameOf = new Map(profile.nodes.map((n) => [n.id, frameName(n.callFrame)]));
  const selfUs = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const name = nameOf.get(id) ?? '(unknown)';
    selfUs.set(name, (selfUs.get(name) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const busyUs = [...selfUs].filter(([n]) => n !== '(idle)').reduce((s, [, us]) => s + us, 0);
  return [...selfUs]
    .filter(([n]) => n !== '(idle)')
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, us]) => ({
      name,
      selfMs: us / 1_000,
      percentOfBusy: busyUs > 0 ? (100 * us) / busyUs : 0,
    }));
}

export async function summarizeCpuProfile(file: string, limit = 10): Promise<ProfileEntry[]> {
  return topSelfTime(JSON.parse(await readFile(file, 'utf8')) as CpuProfile, limit);
}
