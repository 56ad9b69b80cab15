import { readFile, rm, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';

/**
 * What `shardmesh up` leaves in its state folder while it runs (`.shardmesh/up.json`): its own pid
 * and its children's, each with the start time /proc gives it, so a later `up` can tell a process
 * of that run from an unrelated one that got the same pid. A later `up` refuses to start beside a
 * live one, and stops children a killed one left behind: ones the parent watch could not stop
 * (SIGSTOPped, hung) or that an older build started without one.
 */

const recordedProcess = z.object({ name: z.string(), pid: z.number().int().positive(), start: z.string() });
const runRecord = z.object({ up: recordedProcess, children: z.array(recordedProcess) });

export type RecordedProcess = z.infer<typeof recordedProcess>;
export type RunRecord = z.infer<typeof runRecord>;

/**
 * The process's start time in clock ticks since boot (field 22 of /proc/PID/stat), or undefined if
 * it is gone, a zombie, or /proc is not there (not Linux).
 */
export async function processStart(pid: number): Promise<string | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (stat === undefined) return undefined;
  // Field 2, the command, is in parentheses and may hold spaces: count from after it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'Z') return undefined;
  return fields[19];
}

/** Whether the process the record names is still that process. */
const stillRunning = async (p: RecordedProcess): Promise<boolean> => (await processStart(p.pid)) === p.start;

async function recordOf(name: string, pid: number): Promise<RecordedProcess | undefined> {
  const start = await processStart(pid);
  return start === undefined ? undefined : { name, pid, start };
}

/** Writes the record; processes whose start time cannot be read are left out. */
export async function writeRunRecord(
  file: string,
  up: number,
  children: readonly { readonly name: string; readonly pid: number }[],
): Promise<void> {
  const self = await recordOf('up', up);
  if (!self) return; // no /proc: nothing a later run could check
  const known = await Promise.all(children.map((c) => recordOf(c.name, c.pid)));
  const record: RunRecord = { up: self, children: known.filter((c) => c !== undefined) };
  await writeFile(file, `${JSON.stringify(record)}\n`);
}

export async function removeRunRecord(file: string): Promise<void> {
  await rm(file, { force: true });
}

async function readRunRecord(file: string): Promise<RunRecord | undefined> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    return runRecord.parse(JSON.parse(text));
  } catch {
    return undefined; // torn or foreign: nothing to act on safely
  }
}

export type PreviousRun =
  | { readonly kind: 'none' }
  | { readonly kind: 'running'; readonly up: RecordedProcess }
  | { readonly kind: 'stopped'; readonly orphans: readonly RecordedProcess[] };

/**
 * Looks at the previous run's record: if that `up` still runs, says so and touches nothing;
 * otherwise stops the children it left that still run (SIGCONT and SIGTERM, SIGKILL after
 * `graceMs`) and removes the record.
 */
export async function reapPreviousRun(file: string, graceMs = 5_000): Promise<PreviousRun> {
  const record = await readRunRecord(file);
  if (!record) return { kind: 'none' };
  if (await stillRunning(record.up)) return { kind: 'running', up: record.up };
  const orphans: RecordedProcess[] = [];
  for (const child of record.children) if (await stillRunning(child)) orphans.push(child);
  const signal = (signals: readonly NodeJS.Signals[]) =>
    Promise.all(
      orphans.map(async (o) => {
        if (!(await stillRunning(o))) return;
        try {
          for (const s of signals) process.kill(o.pid, s);
        } catch {
          // it exited between the look and the signal: nothing left to stop
        }
      }),
    );
  const allGone = async (limitMs: number): Promise<boolean> => {
    for (let waited = 0; ; waited += 100) {
      const left = await Promise.all(orphans.map(stillRunning));
      if (!left.includes(true)) return true;
      if (waited >= limitMs) return false;
      await sleep(100);
    }
  };
  // SIGCONT first: a stopped process keeps a SIGTERM pending and never acts on it.
  await signal(['SIGCONT', 'SIGTERM']);
  if (!(await allGone(graceMs))) {
    await signal(['SIGKILL']);
    await allGone(5_000);
  }
  await removeRunRecord(file);
  return { kind: 'stopped', orphans };
}
