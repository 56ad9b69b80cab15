import { setTimeout as sleep } from 'node:timers/promises';
import type { ConsulClient } from './consul-client.js';
import { asError } from './errors.js';

/** The calls a kept session makes; a seam for tests. */
export type SessionSource = Pick<ConsulClient, 'createSession' | 'renewSession' | 'destroySession'>;

export interface KeptSessionOptions {
  /** Names the session in Consul's UI and API, e.g. `shardmesh-worker shard-1a-1234abcd`. */
  readonly name: string;
  /**
   * Consul ends a session not renewed within this TTL (it may wait up to twice as long), and with
   * it deletes or releases what it holds. The agent refuses one under its `session_ttl_min`
   * (10 s by default). Renewed every third of it.
   */
  readonly ttlMs: number;
  /** After the session ends, how long no other session may take a lock it held. */
  readonly lockDelayMs: number;
  /** 'delete': the keys it holds vanish with it (a worker's record); 'release': they stay, unlocked. */
  readonly behavior: 'release' | 'delete';
}

export interface KeptSession {
  /** Ends the renewals and destroys the current session (its keys go as `behavior` says). */
  close(): Promise<void>;
}

/**
 * Holds a Consul session for as long as the process lives: creates one, calls `onSession` with
 * its id (the holder then writes or acquires its keys with it), renews it every `ttlMs / 3`, and
 * when Consul says it has ended (the process stalled past the TTL, the node failed, an operator
 * destroyed it) creates a new one and calls `onSession` again. Errors go to `onError` and are
 * retried; a session that cannot be renewed in time simply ends, which is what others watch for.
 */
export function keepSession(
  client: SessionSource,
  options: KeptSessionOptions,
  onSession: (id: string) => Promise<void>,
  onError: (error: Error) => void,
): KeptSession {
  const controller = new AbortController();
  const { signal } = controller;
  let current: string | undefined;
  const renewEveryMs = Math.max(100, Math.floor(options.ttlMs / 3));
  const loop = async (): Promise<void> => {
    while (!signal.aborted) {
      try {
        if (current === undefined) {
          current = await client.createSession({
            name: options.name,
            ttl: `${Math.ceil(options.ttlMs / 1000)}s`,
            lockDelay: `${options.lockDelayMs}ms`,
            behavior: options.behavior,
          });
          if (signal.aborted) break;
          const created = current;
          try {
            await onSession(created);
          } catch (error) {
            // The holder could not use it (e.g. its key write failed): start over with a fresh one.
            current = undefined;
            await client.destroySession(created).catch(() => undefined);
            throw error;
          }
        } else if (!(await client.renewSession(current))) {
          onError(new Error(`Consul session ${options.name} ended; creating a new one`));
          current = undefined;
          continue;
        }
      } catch (error) {
        if (signal.aborted) break;
        onError(asError(error));
      }
      try {
        await sleep(renewEveryMs, undefined, { signal, ref: false });
      } catch {
        break;
      }
    }
  };
  const running = loop();
  return {
    async close() {
      controller.abort();
      await running;
      if (current !== undefined) await client.destroySession(current).catch(() => undefined);
    },
  };
}
