import type { BenchProfile } from './bench-profile.js';
import type { ProfileRecord } from './cpu-profile.js';
import type { Peer } from './peers/peer.js';

/** What every suite is handed by bench/main.ts. */
export interface SuiteContext {
  readonly profile: BenchProfile;
  /** The benchmark's model repository (cached between runs). */
  readonly modelsDir: string;
  /** This run's folder (bench/results/RUN_ID/): inputs, perf_analyzer CSVs and logs, peer logs. */
  readonly workDir: string;
  /** The peers asked for; `error` says why one cannot run (its venv is not installed). */
  readonly peers: readonly { readonly peer: Peer; readonly error?: string }[];
  /** How the run was started, named beside figures that no single tool command produced. */
  readonly command: string;
  /** `--profile`: every router and shard runs under `V8's CPU profiler (bench/process-probe.ts)` (bench-mesh.ts). */
  readonly cpuProfile: boolean;
  /** The .cpuprofile files written so far, for the report. */
  readonly profiles: ProfileRecord[];
  /** A progress line on stderr. */
  readonly log: (line: string) => void;
}

/** Runs `fn`, turning an exception into its message, so one failed target does not end a suite. */
export async function attempt<T>(fn: () => Promise<T>): Promise<{ value?: T; error?: string }> {
  try {
    return { value: await fn() };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}
