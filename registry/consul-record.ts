import type { HealthServiceEntry, TtlServiceRegistration } from './consul-client.js';
import type { ListedInstance, ShardInstance } from './registry.js';
import type { ResolvedRegisterOptions } from './shard-instance.js';
import { toShardInstance } from './shard-instance.js';
import { MalformedInstanceError } from './errors.js';

/**
 * The registry record as Consul holds it (design.md, "Registry record"), both ways. Pure.
 * Meta keys are snake_case because Consul allows only `[A-Za-z0-9_-]` there, and every value is a
 * string because Consul's meta is `map[string]string`.
 */

export const SHARD_SERVICE_NAME = 'shardmesh-shard';

/**
 * Consul's reaper ignores a `DeregisterCriticalServiceAfter` under one minute (it raises it to one
 * minute), so ask for at least that and keep what we ask for equal to what happens.
 */
export const MIN_DEREGISTER_AFTER_MS = 60_000;

export const checkIdFor = (instanceId: string): string => `service:${instanceId}`;

export function toConsulService(
  instance: ShardInstance,
  options: ResolvedRegisterOptions,
  status: 'passing' | 'critical',
  note?: string,
): TtlServiceRegistration {
  return {
    id: instance.id,
    name: SHARD_SERVICE_NAME,
    address: instance.address,
    port: instance.port,
    tags: [`model:${instance.model}`, `version:${instance.version}`, `stage:${instance.stage}`],
    meta: {
      model: instance.model,
      version: instance.version,
      stage: instance.stage,
      partition: String(instance.partition),
      partition_count: String(instance.partitionCount),
      identity: instance.identity,
    },
    check: {
      checkId: checkIdFor(instance.id),
      ttl: `${options.ttlMs}ms`,
      deregisterCriticalServiceAfter: `${Math.max(options.deregisterAfterMs, MIN_DEREGISTER_AFTER_MS)}ms`,
      status,
      ...(note === undefined ? {} : { notes: note }),
    },
  };
}

/** Reads one health entry back; throws `MalformedInstanceError` naming the bad field. */
export function fromHealthEntry(entry: unknown): ShardInstance {
  const { Node, Service } = (entry ?? {}) as HealthServiceEntry;
  if (typeof Service !== 'object' || Service === null)
    throw new MalformedInstanceError('entry has no Service');
  const meta = (typeof Service.Meta === 'object' && Service.Meta !== null ? Service.Meta : {}) as Record<
    string,
    unknown
  >;
  // An empty service address means "the node's address" in Consul.
  const address =
    typeof Service.Address === 'string' && Service.Address !== '' ? Service.Address : Node?.Address;
  try {
    return toShardInstance({
      id: Service.ID,
      address,
      port: Service.Port,
      model: meta['model'],
      version: meta['version'],
      stage: meta['stage'],
      partition: meta['partition'],
      partitionCount: meta['partition_count'],
      identity: meta['identity'],
    });
  } catch (error) {
    const id = typeof Service.ID === 'string' ? Service.ID : '?';
    throw new MalformedInstanceError(`service ${id}: ${(error as Error).message}`);
  }
}

/**
 * One health entry with its status: passing when every check is (as `?passing` filters), else
 * critical with the first failing check's output ("TTL expired", the drain note, or the node's
 * "Agent not live or unreachable"). Throws as `fromHealthEntry` does.
 */
export function listedFromHealthEntry(entry: unknown): ListedInstance {
  const instance = fromHealthEntry(entry);
  const { Checks } = (entry ?? {}) as HealthServiceEntry;
  const checks = Array.isArray(Checks)
    ? (Checks as { Status?: unknown; Output?: unknown; Name?: unknown }[])
    : [];
  const failing = checks.find((c) => c?.Status !== 'passing');
  if (failing === undefined) return { instance, status: 'passing' };
  const said = [failing.Output, failing.Name, failing.Status].find(
    (x) => typeof x === 'string' && x.trim() !== '',
  );
  return { instance, status: 'critical', ...(typeof said === 'string' ? { note: said.trim() } : {}) };
}
