/**
 * Preloaded into the router and shard processes the benchmark starts (`NODE_OPTIONS=--import
 * dist/bench/process-probe.js`, see bench-mesh.ts), so nothing in cli/ or services/ changes:
 * - SHARDMESH_BENCH_GC_DIR set: totals V8's garbage collections with a PerformanceObserver and,
 *   on SIGUSR2, writes the totals to DIR/PID.json with a sequence number the reader waits for.
 *   The file is first written once the handler is installed, so the reader signals only
 *   processes that have one (SIGUSR2 would otherwise end them).
 * - SHARDMESH_BENCH_PROFILE_DIR set: runs V8's sampling profiler and writes DIR/PID.cpuprofile
 *   when the process exits (`--cpu-prof` would, but Node 20 refuses it in NODE_OPTIONS). With
 *   the GC dir set too, profiling starts at the first SIGUSR2, i.e. when the bench starts its
 *   first measured window, so start-up and model loading stay out of it; otherwise at once.
 *   A process killed with SIGKILL writes none.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import path from 'node:path';
import { constants, PerformanceObserver } from 'node:perf_hooks';

export const GC_DIR_ENV = 'SHARDMESH_BENCH_GC_DIR';
export const PROFILE_DIR_ENV = 'SHARDMESH_BENCH_PROFILE_DIR';

/** What DIR/PID.json holds: collections and their summed pause, in total and by kind. */
export interface GcTotals {
  /** Increments on every write, so a reader can tell a fresh answer. */
  readonly seq: number;
  readonly count: number;
  readonly ms: number;
  /** Kind (major, minor, incremental, weakcb) → count and milliseconds. */
  readonly byKind: Record<string, { count: number; ms: number }>;
}

const KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

const profileDir = process.env[PROFILE_DIR_ENV];
let startProfiler: (() => void) | undefined;
if (profileDir) {
  const session = new Session();
  session.connect();
  startProfiler = () => {
    startProfiler = undefined;
    session.post('Profiler.enable');
    session.post('Profiler.start');
    process.on('exit', () => {
      // The in-process session answers synchronously, so the file is written before the exit.
      session.post('Profiler.stop', (error, result) => {
        if (!error)
          writeFileSync(path.join(profileDir, `${process.pid}.cpuprofile`), JSON.stringify(result.profile));
      });
    });
  };
}

const dir = process.env[GC_DIR_ENV];
if (dir) {
  let seq = 0;
  let count = 0;
  let total = 0;
  const byKind: Record<string, { count: number; ms: number }> = {};
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const detail = (entry as unknown as { detail?: { kind?: number } }).detail;
      const kind = KINDS[detail?.kind ?? -1] ?? 'other';
      const k = (byKind[kind] ??= { count: 0, ms: 0 });
      k.count += 1;
      k.ms += entry.duration;
      count += 1;
      total += entry.duration;
    }
  }).observe({ entryTypes: ['gc'] });
  const write = (): void => {
    const totals: GcTotals = { seq: seq++, count, ms: total, byKind };
    const file = path.join(dir, `${process.pid}.json`);
    writeFileSync(`${file}.tmp`, JSON.stringify(totals));
    // rename is atomic: the reader never sees half a file.
    renameSync(`${file}.tmp`, file);
  };
  process.on('SIGUSR2', () => {
    // With both set, the profile starts at the first request for totals: the first measured
    // window, after the process has started and loaded its models.
    startProfiler?.();
    write();
  });
  write();
} else {
  startProfiler?.();
}
