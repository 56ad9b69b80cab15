import { MalformedInstanceError } from './errors.js';
import type { RegisterOptions, ShardInstance } from './registry.js';

/**
 * Helpers both registries share: validating an instance read back from outside (a file, Consul's
 * meta), defaults for register options, and the stable key that decides whether a watch saw a
 * change. Pure.
 */

/** Ids end up as file names (embedded) and URL path segments (Consul), so keep them plain. */
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export const DEFAULT_TTL_MS = 5000;
export const DEFAULT_DEREGISTER_AFTER_MS = 60000;

function text(record: Record<string, unknown>, field: string): string {
  const value = record[field];
  if (typeof value !== 'string' || value === '')
    throw new MalformedInstanceError(`${field} must be a non-empty string`);
  return value;
}

function integer(record: Record<string, unknown>, field: string, min: number, max: number): number {
  const raw = record[field];
  // Consul meta holds only strings, so accept a decimal string as well as a number.
  const value = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new MalformedInstanceError(
      `${field} must be an integer in [${min}, ${max}], got ${JSON.stringify(raw)}`,
    );
  }
  return value;
}

/** Checks a plain record field by field; throws `MalformedInstanceError` naming the bad field. */
export function toShardInstance(value: unknown): ShardInstance {
  if (typeof value !== 'object' || value === null)
    throw new MalformedInstanceError('instance must be an object');
  const record = value as Record<string, unknown>;
  const id = text(record, 'id');
  if (!ID_PATTERN.test(id))
    throw new MalformedInstanceError(`id ${JSON.stringify(id)} must match ${ID_PATTERN}`);
  const partitionCount = integer(record, 'partitionCount', 1, 1_000_000);
  return Object.freeze({
    id,
    address: text(record, 'address'),
    port: integer(record, 'port', 1, 65535),
    model: text(record, 'model'),
    version: text(record, 'version'),
    stage: text(record, 'stage'),
    partition: integer(record, 'partition', 0, partitionCount - 1),
    partitionCount,
    identity: text(record, 'identity'),
  });
}

/** `toShardInstance` for callers registering themselves: a bad instance is a programming error. */
export function checkShardInstance(instance: ShardInstance): ShardInstance {
  try {
    return toShardInstance(instance);
  } catch (error) {
    throw new TypeError(`register: ${(error as Error).message}`);
  }
}

export interface ResolvedRegisterOptions {
  readonly ttlMs: number;
  readonly deregisterAfterMs: number;
}

export function withRegisterDefaults(options: RegisterOptions = {}): ResolvedRegisterOptions {
  const ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
  const deregisterAfterMs = options.deregisterAfterMs ?? DEFAULT_DEREGISTER_AFTER_MS;
  if (!Number.isInteger(ttlMs) || ttlMs < 30)
    throw new TypeError(`ttlMs must be an integer >= 30, got ${ttlMs}`);
  if (!Number.isInteger(deregisterAfterMs) || deregisterAfterMs < ttlMs) {
    throw new TypeError(`deregisterAfterMs must be an integer >= ttlMs (${ttlMs}), got ${deregisterAfterMs}`);
  }
  return { ttlMs, deregisterAfterMs };
}

/** Order-independent identity of a list of instances, for change detection. */
export function instancesKey(instances: readonly ShardInstance[]): string {
  const fields = (i: ShardInstance) => [
    i.id,
    i.address,
    i.port,
    i.model,
    i.version,
    i.stage,
    i.partition,
    i.partitionCount,
    i.identity,
  ];
  return JSON.stringify([...instances].sort(compareById).map(fields));
}

export function compareById(a: ShardInstance, b: ShardInstance): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
