import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { GcTotals } from './process-probe.js';
import { treeCpuMs } from './process-cpu.js';

/** A process on the request path, as the report names it. */
export interface MeasuredProcess {
  /** "router", "shard-0", "KServe 0.16.0" */
  readonly name: string;
  readonly pid: number;
}

/** What one process spent over a measured window (one perf_analyzer run). */
export interface ProcessCost {
  readonly name: string;
  /** User + kernel CPU of the process and its descendants, from /proc/PID/stat. */
  readonly cpuMs: number;
  readonly cpuMsPerRequest: number;
  /** Garbage collection pauses (our Node processes only, through bench/process-probe.ts). */
  readonly gc?: {
    readonly count: number;
    readonly ms: number;
    readonly msPerRequest: number;
    readonly major: number;
  };
}

/** The cost side of a load point: CPU and GC per request of every process on its path. */
export interface RequestCost {
  /** Requests completed in the window. */
  readonly requests: number;
  /**
   * 'router statistics': the router's ModelStatistics success + fail counts before and after, exact.
   * 'throughput × wall': perf_analyzer's throughput times the window, for servers without counts;
   * it includes perf_analyzer's start, when no load runs, so it overstates requests somewhat and
   * understates the cost per request.
   */
  readonly requestsFrom: 'router statistics' | 'throughput × wall';
  readonly wallMs: number;
  readonly processes: readonly ProcessCost[];
}

interface Snapshot {
  readonly atMs: number;
  readonly cpu: Map<number, number>;
  readonly gc: Map<number, GcTotals>;
}

/**
 * CPU and GC of a set of processes over a window: `start()` before the load, `finish()` after.
 * GC totals come from processes started with the probe (`gcDir` set); the rest get CPU only.
 */
export class CostMeter {
  #before?: Snapshot;
  constructor(
    readonly processes: readonly MeasuredProcess[],
    private readonly gcDir?: string,
  ) {}

  async start(): Promise<void> {
    this.#before = await this.#snapshot();
  }

  /** The cost per request, given the requests completed since `start()` (or how to estimate them). */
  async finish(requests: { exact: number } | { throughputPerSec: number }): Promise<RequestCost> {
    const before = this.#before;
    if (!before) throw new Error('CostMeter.finish before start');
    const after = await this.#snapshot();
    const wallMs = after.atMs - before.atMs;
    const count =
      'exact' in requests ? requests.exact : Math.round((requests.throughputPerSec * wallMs) / 1_000);
    return {
      requests: count,
      requestsFrom: 'exact' in requests ? 'router statistics' : 'throughput × wall',
      wallMs,
      processes: this.processes.map((p) => costOf(p, before, after, count)),
    };
  }

  async #snapshot(): Promise<Snapshot> {
    const gc = new Map<number, GcTotals>();
    if (this.gcDir) {
      const dir = this.gcDir;
      await Promise.all(
        this.processes.map(async (p) => {
          const totals = await readGcTotals(dir, p.pid);
          if (totals) gc.set(p.pid, totals);
        }),
      );
    }
    return { atMs: performance.now(), cpu: await treeCpuMs(this.processes.map((p) => p.pid)), gc };
  }
}

function costOf(p: MeasuredProcess, before: Snapshot, after: Snapshot, requests: number): ProcessCost {
  const perRequest = (x: number): number => (requests > 0 ? x / requests : NaN);
  const cpu = (after.cpu.get(p.pid) ?? NaN) - (before.cpu.get(p.pid) ?? NaN);
  const g0 = before.gc.get(p.pid);
  const g1 = after.gc.get(p.pid);
  return {
    name: p.name,
    cpuMs: cpu,
    cpuMsPerRequest: perRequest(cpu),
    ...(g0 && g1
      ? {
          gc: {
            count: g1.count - g0.count,
            ms: g1.ms - g0.ms,
            msPerRequest: perRequest(g1.ms - g0.ms),
            major: (g1.byKind['major']?.count ?? 0) - (g0.byKind['major']?.count ?? 0),
          },
        }
      : {}),
  };
}

/**
 * Asks a process started with bench/process-probe.ts for its GC totals (SIGUSR2) and waits up to
 * `timeoutMs` for the answer; undefined when it has no probe (no DIR/PID.json) or does not answer.
 */
export async function readGcTotals(
  dir: string,
  pid: number,
  timeoutMs = 2_000,
): Promise<GcTotals | undefined> {
  const file = path.join(dir, `${pid}.json`);
  if (!existsSync(file)) return undefined;
  const read = async (): Promise<GcTotals | undefined> =>
    JSON.parse(await readFile(file, 'utf8').catch(() => 'null')) as GcTotals | undefined;
  const seq = (await read())?.seq ?? -1;
  try {
    process.kill(pid, 'SIGUSR2');
  } catch {
    return undefined;
  }
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const totals = await read();
    if (totals && totals.seq > seq) return totals;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return undefined;
}
