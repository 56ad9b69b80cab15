import type { DesiredState, PublishedVersion } from './model-kv-layout.js';
import type { Watch } from './registry.js';

export type { DesiredState, PublishedVersion } from './model-kv-layout.js';

/**
 * Where a router reads the plans it serves, and where the desired state of each model is kept.
 * Two implementations, chosen by the registry: Consul KV (`consul-model-repository.ts`, written by
 * `shardmesh publish`) for a mesh beyond one host, and the `--models` folder
 * (`folder-model-repository.ts`) for one host with the embedded registry. Both keep one contract:
 *
 * - `watch` calls `onChange` with every published version (newest last per model), first as soon
 *   as it is known, then after every change; never a partial list. A version that does not decode
 *   is reported through `onError` and left out. When the store is unreachable it reports through
 *   `onError` and keeps retrying; the caller keeps its last list.
 * - `setDesired` records a model's desired state; watchers see it on their next change. The caller
 *   checks that the model exists (the router answers NOT_FOUND itself).
 */
export interface ModelRepository {
  /** For logs: `consul://HOST:PORT shardmesh/models/` or `folder:/path`. */
  readonly description: string;
  watch(onChange: (versions: readonly PublishedVersion[]) => void, onError: (error: Error) => void): Watch;
  setDesired(name: string, desired: DesiredState): Promise<void>;
  /** Stops watches and frees connections. */
  close(): void;
}

/** A key of a version list, to tell a real change from a repeat of the same state. */
export const versionsKey = (versions: readonly PublishedVersion[]): string => JSON.stringify(versions);
