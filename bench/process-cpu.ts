import { execFileSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';

/** The fields of /proc/PID/stat the benchmark uses (proc(5)); times in clock ticks. */
export interface ProcStat {
  readonly pid: number;
  readonly comm: string;
  readonly ppid: number;
  /** Field 14: user-mode time of every thread of the process. */
  readonly utimeTicks: number;
  /** Field 15: kernel-mode time of every thread of the process. */
  readonly stimeTicks: number;
}

/**
 * Parses one /proc/PID/stat line. The command name (field 2) is in parentheses and may itself hold
 * spaces and parentheses, so fields are counted from the last ')'.
 */
export function parseProcStat(line: string): ProcStat {
  const open = line.indexOf('(');
  const close = line.lastIndexOf(')');
  if (open < 0 || close < open) throw new Error(`not a /proc/PID/stat line: ${line.slice(0, 80)}`);
  const pid = Number(line.slice(0, open).trim());
  // After ')': field 3 (state) is rest[0], so field n is rest[n - 3].
  const rest = line
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  const field = (n: number): number => {
    const value = Number(rest[n - 3]);
    if (!Number.isInteger(value)) throw new Error(`/proc/${pid}/stat: field ${n} is "${rest[n - 3]}"`);
    return value;
  };
  return {
    pid,
    comm: line.slice(open + 1, close),
    ppid: field(4),
    utimeTicks: field(14),
    stimeTicks: field(15),
  };
}

let ticksPerSecond: number | undefined;

/** sysconf(_SC_CLK_TCK), the unit of /proc's times: 100 on every Linux the bench runs on. */
export function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** CPU milliseconds (user + kernel) a /proc stat line reports. */
export function cpuMs(stat: ProcStat, hz = clockTicksPerSecond()): number {
  return ((stat.utimeTicks + stat.stimeTicks) * 1_000) / hz;
}

/** The stat of every live process; processes that exit while it reads are skipped. */
export async function readAllProcStats(): Promise<ProcStat[]> {
  const pids = (await readdir('/proc')).filter((d) => /^\d+$/.test(d));
  const stats = await Promise.all(
    pids.map((pid) =>
      readFile(`/proc/${pid}/stat`, 'utf8').then(
        (text) => parseProcStat(text),
        () => undefined,
      ),
    ),
  );
  return stats.filter((s): s is ProcStat => s !== undefined);
}

/** `root` and every process descended from it, from a list of stats. */
export function processTree(stats: readonly ProcStat[], root: number): ProcStat[] {
  const children = new Map<number, ProcStat[]>();
  for (const s of stats) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s]);
  const out: ProcStat[] = [];
  const queue = stats.filter((s) => s.pid === root);
  while (queue.length > 0) {
    const s = queue.shift()!;
    out.push(s);
    queue.push(...(children.get(s.pid) ?? []));
  }
  return out;
}

/**
 * CPU milliseconds used so far by each process tree rooted at `roots` (a Python server's workers
 * count towards it), keyed by root pid; a root that is gone is missing.
 */
export async function treeCpuMs(roots: readonly number[]): Promise<Map<number, number>> {
  const stats = await readAllProcStats();
  const out = new Map<number, number>();
  for (const root of roots) {
    const tree = processTree(stats, root);
    if (tree.length > 0)
      out.set(
        root,
        tree.reduce((sum, s) => sum + cpuMs(s), 0),
      );
  }
  return out;
}
