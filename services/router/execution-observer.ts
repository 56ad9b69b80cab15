import type { Plan, StagePlan } from '../../lib/plan/schema.js';
import type { ShardInstance } from '../../registry/registry.js';

/**
 * What the plan executor tells about partition calls, for metrics and `shardmesh status`
 * (`partition-metrics.ts` implements it). Observers are resolved once per partition and replica
 * and kept, so an attempt costs a few increments, never a label lookup or a string built.
 */
export interface ExecutionObserver {
  partition(plan: Plan, stage: StagePlan, p: number): PartitionObserver;
}

export interface PartitionObserver {
  replica(instance: ShardInstance): AttemptObserver;
  /** A failed attempt is retried; `reason` is the failure's status name, lower case, or `attempt_timeout`. */
  retried(reason: string): void;
}

export interface AttemptObserver {
  /** One attempt on this replica ended, after `latencyMs`, having sent and received those bytes. */
  ended(ok: boolean, latencyMs: number, sentBytes: number, receivedBytes: number): void;
}
