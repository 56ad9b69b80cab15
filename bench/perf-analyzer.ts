import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { TlsFiles } from '../certs/credentials.js';
import type { RequestCost } from './process-cost.js';
import { PERF_ANALYZER, fromRoot, requireTool } from './tools.js';

/** A model behind a V2 gRPC endpoint, as perf_analyzer is pointed at it. */
export interface PerfAnalyzerTarget {
  /** host:port */
  readonly address: string;
  readonly model: string;
  /**
   * `-x`, for the peers: without it perf_analyzer matches statistics to the model by an empty
   * version and stops with "failed to find the requested model version" against KServe and
   * MLServer. shardmesh's router answers ModelStatistics for an empty version as Triton does, so
   * its targets leave this out.
   */
  readonly version?: string;
  /** Mutual TLS (shardmesh); absent for plaintext peers. */
  readonly tls?: Required<TlsFiles>;
}

/** How long perf_analyzer measures. One set is used for every server in a suite. */
export interface MeasurementSettings {
  /** time_windows mode: the window (`-p`). */
  readonly windowMs?: number;
  /** count_windows mode instead: requests per window (`--measurement-request-count`). */
  readonly requestsPerWindow?: number;
  /** `-s`: windows must agree within this many percent. */
  readonly stabilityPercent: number;
  /** `-r`: windows to try before giving up on stability. */
  readonly maxTrials: number;
}

/** One concurrency level, from perf_analyzer's CSV export (`-f`). Latencies in microseconds. */
export interface LoadPoint {
  readonly concurrency: number;
  readonly throughputPerSec: number;
  readonly p50Us: number;
  readonly p90Us: number;
  readonly p99Us: number;
  /**
   * False when perf_analyzer could not get windows within `stabilityPercent` of each other in
   * `maxTrials` windows and the figure comes from a rerun that accepts any three windows.
   */
  readonly stable: boolean;
  /** The command line that produced it. */
  readonly command: string;
  /** CPU and GC per request of each server process over the run (bench/process-cost.ts). */
  readonly cost?: RequestCost;
}

export interface PerfAnalyzerRun {
  readonly target: PerfAnalyzerTarget;
  /** perf_analyzer's `--input-data` JSON file (the same inputs for every server). */
  readonly inputData: string;
  readonly concurrency: number;
  readonly settings: MeasurementSettings;
  /** Where the CSV export and perf_analyzer's own output are kept. */
  readonly outDir: string;
  /** File names in outDir start with it. */
  readonly label: string;
  /** Replaces path prefixes in the printed command, e.g. a temporary certificate folder by $CERTS. */
  readonly aliases?: Readonly<Record<string, string>>;
}

const UNSTABLE = 'Failed to obtain stable measurement';
const TIMEOUT_MS = 10 * 60_000;

function args(run: PerfAnalyzerRun, csv: string, stabilityPercent: number): string[] {
  const { target, settings } = run;
  const a = ['-m', target.model, '-i', 'grpc', '-u', target.address];
  if (target.version !== undefined) a.push('-x', target.version);
  if (target.tls) {
    a.push('--ssl-grpc-use-ssl', 'true');
    a.push('--ssl-grpc-root-certifications-file', target.tls.caFile);
    a.push('--ssl-grpc-private-key-file', target.tls.keyFile);
    a.push('--ssl-grpc-certificate-chain-file', target.tls.certFile);
  }
  a.push('--input-data', run.inputData, '--concurrency-range', String(run.concurrency));
  if (settings.requestsPerWindow !== undefined) {
    a.push('--measurement-mode', 'count_windows');
    a.push('--measurement-request-count', String(settings.requestsPerWindow));
  } else {
    a.push('-p', String(settings.windowMs ?? 5_000));
  }
  a.push('-s', String(stabilityPercent), '-r', String(settings.maxTrials), '-f', csv);
  return a;
}

function printable(file: string, argv: readonly string[], aliases: Readonly<Record<string, string>>): string {
  const show = (s: string): string => {
    for (const [prefix, alias] of Object.entries(aliases))
      if (s.startsWith(prefix)) return alias + s.slice(prefix.length);
    return s.startsWith('/') ? fromRoot(s) : s;
  };
  return [show(file), ...argv.map(show)].join(' ');
}

/** Runs perf_analyzer at one concurrency and returns its figures; throws with its output if it fails. */
export async function runPerfAnalyzer(run: PerfAnalyzerRun): Promise<LoadPoint> {
  const exe = requireTool(PERF_ANALYZER);
  const csv = path.join(run.outDir, `${run.label}-c${run.concurrency}.csv`);
  let stable = true;
  let argv = args(run, csv, run.settings.stabilityPercent);
  let output = await execute(exe, argv);
  if (output.text.includes(UNSTABLE)) {
    stable = false;
    argv = args(run, csv, 1_000);
    output = await execute(exe, argv);
  }
  await writeFile(path.join(run.outDir, `${run.label}-c${run.concurrency}.log`), output.text);
  const command = printable(exe, argv, run.aliases ?? {});
  if (output.exit !== 0 || !output.text.includes('Inferences/Second vs. Client')) {
    throw new Error(`${howItEnded(output.exit)}: ${lastLines(output.text)}\n  ${command}`);
  }
  const row = parseCsv(await readFile(csv, 'utf8')).find((r) => r['Concurrency'] === String(run.concurrency));
  if (!row) throw new Error(`${csv} has no row for concurrency ${run.concurrency}`);
  const num = (column: string): number => {
    const value = Number(row[column]);
    if (!Number.isFinite(value)) throw new Error(`${csv}: column "${column}" is "${row[column]}"`);
    return value;
  };
  return {
    concurrency: run.concurrency,
    throughputPerSec: num('Inferences/Second'),
    p50Us: num('p50 latency'),
    p90Us: num('p90 latency'),
    p99Us: num('p99 latency'),
    stable,
    command,
  };
}

/** How long a server is loaded, its figures discarded, before its first measured run. */
export interface WarmUp {
  readonly seconds: number;
  readonly concurrency: number;
}

/**
 * The warm-up's measurement window. perf_analyzer keeps every answer of a window in memory until
 * the window ends (against the grpc-js floor answering rec's 1 MiB output at c=16, ~560 answers/s:
 * peak RSS 0.86 GB with 250 ms windows, 1.6 GB with 500, 3 GB with 1000), so one warm-up run with
 * windows of a third of the warm-up (4 s in a quick run) grew to 24 GB and the kernel killed it
 * (exit by SIGKILL, `dmesg`: "Out of memory: Killed process … (ld-linux-x86-64)"). Short windows
 * in back-to-back runs load the server as long, holding a window's answers at a time.
 */
export const WARM_UP_WINDOW_MS = 500;

/** One perf_analyzer run, as the warm-up makes it (injectable for tests). */
export type RunPerfAnalyzer = (run: PerfAnalyzerRun) => Promise<LoadPoint>;

/**
 * Loads a target for about `warm.seconds` and discards the figures: back-to-back perf_analyzer
 * runs of three WARM_UP_WINDOW_MS windows each, any spread between them accepted, until the time
 * is up. A Node server's hot path runs in V8's interpreter and baseline code until it has run
 * often enough to be optimised: router + shard CPU per classifier request at c=1 fell from 7.3 ms
 * in the first 5 s after start to 4.6 ms after 50 s (`bench/probes/router-hop.ts --concurrency
 * 1,1,…`), while TurboFan compiled on background threads (21 % of the router's CPU in a `perf
 * record` 10–18 s after start). Every server gets the same warm-up, so each is measured as it
 * serves once it has been up a while.
 */
export async function warmUp(
  run: Omit<PerfAnalyzerRun, 'settings' | 'concurrency'>,
  warm: WarmUp,
  runOnce: RunPerfAnalyzer = runPerfAnalyzer,
  now: () => number = Date.now,
): Promise<void> {
  const until = now() + warm.seconds * 1_000;
  do {
    await runOnce({
      ...run,
      concurrency: warm.concurrency,
      label: `${run.label}-warmup`,
      settings: { windowMs: WARM_UP_WINDOW_MS, stabilityPercent: 1_000, maxTrials: 3 },
    });
  } while (now() < until);
}

/** perf_analyzer's CSV: a header row naming the columns, then one row per load level. */
export function parseCsv(text: string): Record<string, string>[] {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const header = (lines[0] ?? '').split(',');
  return lines.slice(1).map((line) => {
    const cells = line.split(',');
    return Object.fromEntries(header.map((h, i) => [h, cells[i] ?? '']));
  });
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-4).join(' | ');
}

/** How a perf_analyzer process ended: its exit status, a signal, or the bench's own time limit. */
export type Exit = number | NodeJS.Signals | 'timed out';

/** Why a run has no figures, from how perf_analyzer ended, for the report's error column. */
export function howItEnded(exit: Exit): string {
  if (exit === 'timed out') return `perf_analyzer ran past ${TIMEOUT_MS / 60_000} minutes and was stopped`;
  if (typeof exit === 'number') return `perf_analyzer failed (exit ${exit})`;
  // Nobody but the kernel's out-of-memory killer sends perf_analyzer a SIGKILL during a bench run.
  const why = exit === 'SIGKILL' ? ', most likely by the kernel for want of memory (dmesg says)' : '';
  return `perf_analyzer was killed by ${exit}${why}`;
}

function execute(file: string, argv: readonly string[]): Promise<{ exit: Exit; text: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    let timedOut = false;
    child.stdout.on('data', (d: Buffer) => (text += d.toString()));
    child.stderr.on('data', (d: Buffer) => (text += d.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, TIMEOUT_MS);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ exit: timedOut ? 'timed out' : (signal ?? code ?? 1), text });
    });
  });
}
