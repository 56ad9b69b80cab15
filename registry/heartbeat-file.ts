import { mkdir, readFile, readdir, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ShardInstance } from './registry.js';
import { toShardInstance } from './shard-instance.js';

/**
 * The embedded registry's record: one file `<id>.json` per registration in a shared folder. The
 * owner rewrites it on every heartbeat with a new `expiresAtMs`; readers judge liveness from that
 * alone, so a killed process simply stops refreshing and its file goes stale.
 */
export interface HeartbeatRecord {
  readonly instance: ShardInstance;
  readonly status: 'passing' | 'critical';
  readonly note?: string;
  /** Wall-clock time (ms since the epoch) after which the record no longer counts as passing. */
  readonly expiresAtMs: number;
  /** How long after expiring a reader may delete the file. */
  readonly deregisterAfterMs: number;
}

const SUFFIX = '.json';
let tempCounter = 0;

export const recordPath = (dir: string, id: string): string => join(dir, `${id}${SUFFIX}`);

/**
 * Writes atomically: a reader sees the old record or the new one, never a half-written file. The
 * temp name does not end in `.json`, so readers skip it.
 */
export async function writeRecord(dir: string, record: HeartbeatRecord): Promise<void> {
  const target = recordPath(dir, record.instance.id);
  const temp = `${target}.${process.pid}.${++tempCounter}.tmp`;
  try {
    await writeFile(temp, JSON.stringify(record));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    // The folder was removed (or never made): recreate it rather than lose the heartbeat.
    await mkdir(dir, { recursive: true });
    await writeFile(temp, JSON.stringify(record));
  }
  await rename(temp, target);
}

export async function removeRecord(dir: string, id: string): Promise<void> {
  try {
    await unlink(recordPath(dir, id));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

export interface ReadRecords {
  readonly records: readonly HeartbeatRecord[];
  /** Files that exist but do not hold a record; a writer may be mid-way, so not an error. */
  readonly unreadable: readonly string[];
}

/** Reads every record in `dir`; a folder that does not exist yet holds no records. */
export async function readRecords(dir: string): Promise<ReadRecords> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], unreadable: [] };
    throw error;
  }
  const records: HeartbeatRecord[] = [];
  const unreadable: string[] = [];
  for (const name of names.filter((n) => n.endsWith(SUFFIX)).sort()) {
    let text: string;
    try {
      text = await readFile(join(dir, name), 'utf8');
    } catch {
      continue; // deleted between readdir and read
    }
    const record = parseRecord(text, name.slice(0, -SUFFIX.length));
    if (record) records.push(record);
    else unreadable.push(name);
  }
  return { records, unreadable };
}

function parseRecord(text: string, id: string): HeartbeatRecord | undefined {
  try {
    const value = JSON.parse(text) as Partial<Record<keyof HeartbeatRecord, unknown>>;
    const instance = toShardInstance(value.instance);
    const { status, note, expiresAtMs, deregisterAfterMs } = value;
    if (instance.id !== id) return undefined;
    if (status !== 'passing' && status !== 'critical') return undefined;
    if (typeof expiresAtMs !== 'number' || typeof deregisterAfterMs !== 'number') return undefined;
    return {
      instance,
      status,
      ...(typeof note === 'string' ? { note } : {}),
      expiresAtMs,
      deregisterAfterMs,
    };
  } catch {
    return undefined;
  }
}
