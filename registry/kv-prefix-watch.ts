import { setTimeout as sleep } from 'node:timers/promises';
import type { ConsulClient } from './consul-client.js';
import { asError } from './errors.js';
import type { KvEntry } from './model-kv-layout.js';
import type { Watch } from './registry.js';

/** The one call the loop makes; a seam for tests. */
export type KeysUnderSource = Pick<ConsulClient, 'keysUnder'>;

export interface KvPrefixWatchOptions {
  /** How long each blocking query may wait for a change. @default 30000 */
  readonly waitMs?: number;
  /** First retry delay after an error; doubles up to 5 s. @default 250 */
  readonly minBackoffMs?: number;
}

/**
 * Every key under `prefix`, delivered first as soon as known and then after each change, by
 * blocking queries that follow Consul's rules (as consul-watch.ts: reset an index that goes
 * backwards, never block on an index below 1, back off on errors). Used by placement, where the
 * leader watches workers and assignments and each worker watches its own assignment key.
 */
export function watchKeysUnder(
  client: KeysUnderSource,
  prefix: string,
  onChange: (entries: readonly KvEntry[]) => void,
  onError: (error: Error) => void,
  options: KvPrefixWatchOptions = {},
): Watch {
  const controller = new AbortController();
  const settings = { waitMs: options.waitMs ?? 30_000, minBackoffMs: options.minBackoffMs ?? 250 };
  void run(client, prefix, onChange, onError, settings, controller.signal);
  return { close: () => controller.abort() };
}

async function run(
  client: KeysUnderSource,
  prefix: string,
  onChange: (entries: readonly KvEntry[]) => void,
  onError: (error: Error) => void,
  settings: { waitMs: number; minBackoffMs: number },
  signal: AbortSignal,
): Promise<void> {
  let index = 0n;
  let last: string | undefined;
  let backoffMs = settings.minBackoffMs;
  while (!signal.aborted) {
    try {
      const answer = await client.keysUnder(prefix, { index, waitMs: settings.waitMs, signal });
      if (signal.aborted) return;
      if (answer.index === undefined) throw new Error('Consul answered a KV read without X-Consul-Index');
      if (!Array.isArray(answer.body)) throw new Error('Consul answered a KV read with a non-array body');
      backoffMs = settings.minBackoffMs;
      index = answer.index < index ? 0n : answer.index < 1n ? 1n : answer.index;
      const entries = (answer.body as KvEntry[]).map(({ Key, Value, Session }) => ({ Key, Value, Session }));
      const key = JSON.stringify(entries);
      if (key === last) continue;
      last = key;
      try {
        onChange(entries);
      } catch (error) {
        onError(asError(error));
      }
    } catch (error) {
      if (signal.aborted) return;
      onError(asError(error));
      try {
        await sleep(backoffMs, undefined, { signal, ref: false });
      } catch {
        return;
      }
      backoffMs = Math.min(backoffMs * 2, 5000);
    }
  }
}
