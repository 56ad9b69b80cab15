import { readFile } from 'node:fs/promises';

/** A process's resident memory as Linux reports it in /proc/PID/status, in bytes. */
export interface ProcessMemory {
  /** VmHWM: the peak resident set size since the process started. */
  readonly peakRssBytes: number;
  /** VmRSS: the resident set size now. */
  readonly rssBytes: number;
}

function field(status: string, name: string): number {
  const match = new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(status);
  if (!match) throw new Error(`/proc status has no ${name} line`);
  return Number(match[1]) * 1024;
}

/** Reads VmHWM and VmRSS of a live process (Linux only). */
export async function readProcessMemory(pid: number): Promise<ProcessMemory> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return { peakRssBytes: field(status, 'VmHWM'), rssBytes: field(status, 'VmRSS') };
}
