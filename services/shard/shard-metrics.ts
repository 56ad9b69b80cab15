import { status as Status } from '@grpc/grpc-js';
import { Counter, Histogram, Registry } from 'prom-client';
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
  readonly #calls: Counter<(typeof LABELS)[number]>;
  readonly #failures: Counter<(typeof LABELS)[number] | 'code'>;
  readonly #runs: Histogram<(typeof LABELS)[number]>;
  readonly #byKey = new Map<string, PartitionCallObserver>();
  readonly #unknown: PartitionCallObserver;

  constructor(served: readonly ServedPartition[]) {
    const registers = [this.registry];
    this.#calls = new Counter({
      name: 'shardmesh_shard_calls_total',
      help: 'Shard.Infer calls received, by partition',
      labelNames: LABELS,
      registers,
    });
    this.#failures = new Counter({
      name: 'shardmesh_shard_call_failures_total',
      help: 'Shard.Infer calls that ended with an error status sent to the router, by partition and status',
      labelNames: [...LABELS, 'code'],
      registers,
    });
    this.#runs = new Histogram({
      name: 'shardmesh_shard_ort_run_duration_seconds',
      help: 'ONNX Runtime session runs, by partition',
      labelNames: LABELS,
      buckets: RUN_BUCKETS_SECONDS,
      registers,
    });
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
    const calls = this.#calls.labels(labels);
    const runs = this.#runs.labels(labels);
    return {
      opened: () => calls.inc(),
      ran: (seconds) => runs.observe(seconds),
      // Failures are rare: the child is resolved then.
      failed: (code) => this.#failures.labels({ ...labels, code: Status[code] ?? String(code) }).inc(),
    };
  }
}
