import { setTimeout as sleep } from 'node:timers/promises';
import type { ConsulClient } from './consul-client.js';
import { asError } from './errors.js';
import { SHARD_SERVICE_NAME, fromHealthEntry } from './consul-record.js';
import type { ShardInstance, Watch } from './registry.js';
import { instancesKey } from './shard-instance.js';

/**
 * The watch behind `ConsulRegistry.watch`: a loop of blocking queries on the passing instances of
 * `shardmesh-shard`, following Consul's documented rules for blocking queries (reset the index
 * when it goes backwards, never block on an index below 1, back off on errors).
 */

export interface ConsulWatchOptions {
  /** How long each blocking query may wait for a change. @default 30000 */
  readonly waitMs?: number;
  /** First retry delay after an error; doubles up to `maxBackoffMs`. @default 250 */
  readonly minBackoffMs?: number;
  /** @default 5000 */
  readonly maxBackoffMs?: number;
}

/** The one call the loop makes; a seam so the loop's rules can be tested without an agent. */
export type PassingInstancesSource = Pick<ConsulClient, 'passingInstances'>;

export function watchPassingShards(
  client: PassingInstancesSource,
  onChange: (instances: readonly ShardInstance[]) => void,
  onError: (error: Error) => void,
  options: ConsulWatchOptions = {},
): Watch {
  const controller = new AbortController();
  const settings = { waitMs: 30_000, minBackoffMs: 250, maxBackoffMs: 5000, ...options };
  // The loop never rejects (it reports through onError), so nothing is left floating.
  void runWatch(client, onChange, onError, settings, controller.signal);
  return { close: () => controller.abort() };
}

async function runWatch(
  client: PassingInstancesSource,
  onChange: (instances: readonly ShardInstance[]) => void,
  onError: (error: Error) => void,
  settings: Required<ConsulWatchOptions>,
  signal: AbortSignal,
): Promise<void> {
  let index = 0n;
  let lastKey: string | undefined;
  let backoffMs = settings.minBackoffMs;
  while (!signal.aborted) {
    try {
      const answer = await client.passingInstances(SHARD_SERVICE_NAME, {
        index,
        waitMs: settings.waitMs,
        signal,
      });
      if (signal.aborted) return;
      if (answer.index === undefined)
        throw new Error('Consul answered a blocking query without X-Consul-Index');
      if (!Array.isArray(answer.body))
        throw new Error('Consul answered a health query with a non-array body');
      backoffMs = settings.minBackoffMs;
      const indexChanged = answer.index !== index;
      // Consul: an index that goes backwards means the state was reset (e.g. a restored
      // snapshot), so start over from 0; an index below 1 would make the next query return at
      // once, forever, so clamp it.
      index = answer.index < index ? 0n : answer.index < 1n ? 1n : answer.index;
      const instances = toInstances(answer.body, onError);
      const key = instancesKey(instances);
      if (lastKey === undefined || (indexChanged && key !== lastKey)) {
        lastKey = key;
        deliver(onChange, instances, onError);
      }
    } catch (error) {
      if (signal.aborted) return;
      onError(asError(error));
      try {
        await sleep(backoffMs, undefined, { signal, ref: false });
      } catch {
        return; // aborted while backing off
      }
      backoffMs = Math.min(backoffMs * 2, settings.maxBackoffMs);
    }
  }
}

/** Converts the entries that are valid; a malformed one is reported and left out, not fatal. */
function toInstances(entries: readonly unknown[], onError: (error: Error) => void): readonly ShardInstance[] {
  const instances: ShardInstance[] = [];
  for (const entry of entries) {
    try {
      instances.push(fromHealthEntry(entry));
    } catch (error) {
      onError(asError(error));
    }
  }
  return Object.freeze(instances);
}

function deliver(
  onChange: (instances: readonly ShardInstance[]) => void,
  instances: readonly ShardInstance[],
  onError: (error: Error) => void,
): void {
  try {
    onChange(instances);
  } catch (error) {
    // A throwing listener must not stop discovery for the rest of the process.
    onError(asError(error));
  }
}
