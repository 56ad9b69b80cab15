import type { Registry } from 'prom-client';
import { CellCounter, CellHistogram } from '../../lib/metrics/cell-metrics.js';
import type { Plan, StagePlan } from '../../lib/plan/schema.js';
import type { AttemptObserver, ExecutionObserver, PartitionObserver } from './execution-observer.js';
import { ReplicaWindow } from './replica-window.js';

/** Seconds, from half a millisecond (a hop on loopback) to 10 s (a big tensor, a slow shard). */
export const LATENCY_BUCKETS_SECONDS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

const PARTITION_LABELS = ['model', 'version', 'stage', 'partition'] as const;
const REPLICA_LABELS = [...PARTITION_LABELS, 'replica'] as const;

/** Replicas remembered per partition before the list is dropped and rebuilt (instances churn). */
const MAX_REPLICAS = 256;

/**
 * The router's partition-call metrics, by model, version, stage, partition and replica (the
 * registry's instance id), and each replica's last-minute window for `GET /status`.
 */
export class PartitionMetrics implements ExecutionObserver {
  readonly #duration: CellHistogram<(typeof REPLICA_LABELS)[number]>;
  readonly #failures: CellCounter<(typeof REPLICA_LABELS)[number]>;
  readonly #sent: CellCounter<(typeof REPLICA_LABELS)[number]>;
  readonly #received: CellCounter<(typeof REPLICA_LABELS)[number]>;
  readonly #retries: CellCounter<(typeof PARTITION_LABELS)[number] | 'reason'>;
  /** Per stage object of a loaded plan: a reloaded plan gets new ones, the old go with it. */
  readonly #byStage = new WeakMap<StagePlan, PartitionObserver[]>();
  readonly #windows = new Map<string, ReplicaWindow>();

  constructor(
    registry: Registry,
    private readonly nowMs: () => number = Date.now,
  ) {
    this.#duration = new CellHistogram(
      'shardmesh_partition_call_duration_seconds',
      'Partition call attempts from the router to a shard replica, first byte sent to trailer or failure',
      REPLICA_LABELS,
      LATENCY_BUCKETS_SECONDS,
      registry,
    );
    this.#failures = new CellCounter(
      'shardmesh_partition_call_failures_total',
      'Partition call attempts that failed (retried or not), by replica',
      REPLICA_LABELS,
      registry,
    );
    this.#sent = new CellCounter(
      'shardmesh_partition_sent_bytes_total',
      'Input tensor bytes the router sent to shard replicas',
      REPLICA_LABELS,
      registry,
    );
    this.#received = new CellCounter(
      'shardmesh_partition_received_bytes_total',
      'Output tensor bytes the router received from shard replicas',
      REPLICA_LABELS,
      registry,
    );
    this.#retries = new CellCounter(
      'shardmesh_partition_retries_total',
      'Partition attempts retried, by the failure that caused the retry (status name or attempt_timeout)',
      [...PARTITION_LABELS, 'reason'],
      registry,
    );
  }

  partition(plan: Plan, stage: StagePlan, p: number): PartitionObserver {
    let list = this.#byStage.get(stage);
    if (!list) this.#byStage.set(stage, (list = []));
    return (list[p] ??= this.#newPartition(plan, stage, p));
  }

  /** The replica's last-minute window, if the router called it; for `GET /status`. */
  window(replicaId: string): ReplicaWindow | undefined {
    return this.#windows.get(replicaId);
  }

  #newPartition(plan: Plan, stage: StagePlan, p: number): PartitionObserver {
    const labels = { model: plan.name, version: plan.version, stage: stage.name, partition: String(p) };
    const replicas = new Map<string, AttemptObserver>();
    return {
      replica: (instance) => {
        let observer = replicas.get(instance.id);
        if (!observer) {
          if (replicas.size >= MAX_REPLICAS) replicas.clear();
          observer = this.#newReplica({ ...labels, replica: instance.id }, instance.id);
          replicas.set(instance.id, observer);
        }
        return observer;
      },
      // Retries are rare: resolving the child then costs nothing that matters.
      retried: (reason) => this.#retries.cell({ ...labels, reason }).inc(),
    };
  }

  #newReplica(labels: Record<(typeof REPLICA_LABELS)[number], string>, id: string): AttemptObserver {
    const duration = this.#duration.cell(labels);
    const failures = this.#failures.cell(labels);
    const sent = this.#sent.cell(labels);
    const received = this.#received.cell(labels);
    let window = this.#windows.get(id);
    if (!window) {
      if (this.#windows.size >= MAX_REPLICAS * 16) this.#windows.clear();
      this.#windows.set(id, (window = new ReplicaWindow()));
    }
    const replicaWindow = window;
    return {
      ended: (ok, latencyMs, sentBytes, receivedBytes) => {
        duration.observe(latencyMs / 1000);
        if (!ok) failures.inc();
        if (sentBytes > 0) sent.inc(sentBytes);
        if (receivedBytes > 0) received.inc(receivedBytes);
        replicaWindow.record(this.nowMs(), latencyMs, ok);
      },
    };
  }
}
