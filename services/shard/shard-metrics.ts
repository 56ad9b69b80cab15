import { status as Status } from '@grpc/grpc-js';
import { Registry } from 'prom-client';
import { CellCounter, CellHistogram } from '../../lib/metrics/cell-metrics.js';
import { partitionKey, type ServedPartition } from './partition-catalog.js';

/** Seconds: an ONNX Runtime run, from a tenth of a millisecond to 10 s. */
const RUN_BUCKETS_SECONDS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

const LABELS = ['model', 'version', 'stage', 'partition'] as const;

/** What an `InferCall` tells about itself; resolved once per served partition. */
export interface PartitionCallObserver {
  /** A call was opened for this partition (counted whatever happens next). */
  opened(): void;
  /** The partition's ONNX Runtime run finished (not an aborted one), after `seconds`. */
  ran(seconds: number): void;
  /** The call ended with an in-band error of `code` (deadline and cancels from the router are not errors). */
  failed(code: Status): void;
}

/**
 * A shard's own metrics (its in-flight gauges and certificate expiry are registered beside these
 * by `shard-server.ts`): per served partition, calls, failures by status, and ONNX Runtime run
 * durations. Calls for a partition this shard does not serve count under `unknown`.
 */
export class ShardMetrics {
  readonly registry = new Registry();
  readonly #calls: CellCounter<(typeof LABELS)[number]>;
  readonly #failures: CellCounter<(typeof LABELS)[number] | 'code'>;
  readonly #runs: CellHistogram<(typeof LABELS)[number]>;
  readonly #byKey = new Map<string, PartitionCallObserver>();
  readonly #unknown: PartitionCallObserver;

  constructor(served: readonly ServedPartition[]) {
    this.#calls = new CellCounter(
      'shardmesh_shard_calls_total',
      'Shard.Infer calls received, by partition',
      LABELS,
      this.registry,
    );
    this.#failures = new CellCounter(
      'shardmesh_shard_call_failures_total',
      'Shard.Infer calls that ended with an error status sent to the router, by partition and status',
      [...LABELS, 'code'],
      this.registry,
    );
    this.#runs = new CellHistogram(
      'shardmesh_shard_ort_run_duration_seconds',
      'ONNX Runtime session runs, by partition',
      LABELS,
      RUN_BUCKETS_SECONDS,
      this.registry,
    );
    for (const p of served)
      this.#byKey.set(
        partitionKey(p),
        this.#observer({
          model: p.model,
          version: p.version,
          stage: p.stage,
          partition: String(p.partition),
        }),
      );
    this.#unknown = this.#observer({
      model: 'unknown',
      version: 'unknown',
      stage: 'unknown',
      partition: 'unknown',
    });
  }

  /** The observer of a served partition's key (`partitionKey`), or the `unknown` one. */
  partition(key: string): PartitionCallObserver {
    return this.#byKey.get(key) ?? this.#unknown;
  }

  #observer(labels: Record<(typeof LABELS)[number], string>): PartitionCallObserver {
    const calls = this.#calls.cell(labels);
    const runs = this.#runs.cell(labels);
    return {
      opened: () => calls.inc(),
      ran: (seconds) => runs.observe(seconds),
      // Failures are rare: the child is resolved then.
      failed: (code) => this.#failures.cell({ ...labels, code: Status[code] ?? String(code) }).inc(),
    };
  }
}
