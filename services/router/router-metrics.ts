import { Counter, Gauge, Registry } from 'prom-client';
import { CellCounter, CellHistogram } from '../../lib/metrics/cell-metrics.js';
import type { Plan } from '../../lib/plan/schema.js';
import type { ModelObserver, RequestPhasesNs } from './model-statistics.js';
import { LATENCY_BUCKETS_SECONDS, PartitionMetrics } from './partition-metrics.js';
import type { RoutingTable } from './routing-table.js';

const MODEL_LABELS = ['model', 'version'] as const;
type ModelLabel = (typeof MODEL_LABELS)[number];

/** Triton's per-model counters of summed microseconds (successful requests only, as Triton's). */
const PHASE_COUNTERS = {
  queue: ['nv_inference_queue_duration_us', 'Cumulative queue duration in microseconds'],
  computeInput: [
    'nv_inference_compute_input_duration_us',
    'Cumulative compute input duration in microseconds',
  ],
  computeInfer: [
    'nv_inference_compute_infer_duration_us',
    'Cumulative compute inference duration in microseconds',
  ],
  computeOutput: [
    'nv_inference_compute_output_duration_us',
    'Cumulative compute output duration in microseconds',
  ],
} as const satisfies Record<keyof RequestPhasesNs, readonly [string, string]>;

/**
 * Every metric a router serves on `/metrics`: Triton's `nv_inference_*` names where they mean what
 * Triton's mean (fed by `ModelStatisticsBook`, the same numbers ModelStatistics answers), and
 * `shardmesh_*` for the mesh: latency histograms, partition calls (`partition-metrics.ts`), the
 * routing table and the registry. Gauges are read at scrape time; the request path only adds to
 * children resolved once per model version or partition replica.
 */
export class RouterMetrics {
  readonly registry = new Registry();
  readonly partitions: PartitionMetrics;
  readonly #success: CellCounter<ModelLabel>;
  readonly #failure: CellCounter<ModelLabel>;
  readonly #inferences: CellCounter<ModelLabel>;
  readonly #executions: CellCounter<ModelLabel>;
  readonly #requestUs: CellCounter<ModelLabel>;
  readonly #streamed: CellCounter<ModelLabel>;
  readonly #phaseUs: Record<keyof RequestPhasesNs, CellCounter<ModelLabel>>;
  readonly #requestSeconds: CellHistogram<ModelLabel | 'outcome'>;
  readonly #computeInferSeconds: CellHistogram<ModelLabel>;
  readonly #registryErrors: Counter;
  readonly #tableUpdates: Counter;
  #tableUpdatedMs: number;

  constructor(
    source: { table: () => RoutingTable; plans: () => readonly Plan[] },
    private readonly nowMs: () => number = Date.now,
  ) {
    const registers = [this.registry];
    const counter = (name: string, help: string): CellCounter<ModelLabel> =>
      new CellCounter(name, help, MODEL_LABELS, this.registry);
    this.#success = counter(
      'nv_inference_request_success',
      'Number of successful inference requests, all batch sizes',
    );
    this.#failure = counter(
      'nv_inference_request_failure',
      'Number of failed inference requests, all batch sizes',
    );
    this.#inferences = counter(
      'nv_inference_count',
      'Number of inferences performed (a batch of n counts n)',
    );
    this.#executions = counter(
      'nv_inference_exec_count',
      'Number of model executions performed (a dynamic batch counts 1)',
    );
    this.#requestUs = counter(
      'nv_inference_request_duration_us',
      'Cumulative inference request duration in microseconds (successful requests)',
    );
    this.#streamed = counter(
      'shardmesh_streamed_answers_total',
      'Successful ModelInfer answers that began leaving the router while its shards still sent them (large concat outputs)',
    );
    this.#phaseUs = {
      queue: counter(...PHASE_COUNTERS.queue),
      computeInput: counter(...PHASE_COUNTERS.computeInput),
      computeInfer: counter(...PHASE_COUNTERS.computeInfer),
      computeOutput: counter(...PHASE_COUNTERS.computeOutput),
    };
    this.#requestSeconds = new CellHistogram(
      'shardmesh_inference_request_duration_seconds',
      'Inference requests through the router, received to answered, by outcome (success or failure)',
      [...MODEL_LABELS, 'outcome'],
      LATENCY_BUCKETS_SECONDS,
      this.registry,
    );
    this.#computeInferSeconds = new CellHistogram(
      'shardmesh_inference_compute_infer_duration_seconds',
      'Plan executions (every stage on the shards, scatter and gather included), by model version',
      MODEL_LABELS,
      LATENCY_BUCKETS_SECONDS,
      this.registry,
    );
    this.partitions = new PartitionMetrics(this.registry, nowMs);
    this.#registryErrors = new Counter({
      name: 'shardmesh_registry_errors_total',
      help: 'Registry watch failures (the router keeps routing from its last table meanwhile)',
      registers,
    });
    this.#tableUpdates = new Counter({
      name: 'shardmesh_routing_table_updates_total',
      help: 'Routing tables built from the registry',
      registers,
    });
    this.#tableUpdatedMs = nowMs();
    const ageSeconds = (): number => (this.nowMs() - this.#tableUpdatedMs) / 1000;
    new Gauge({
      name: 'shardmesh_routing_table_age_seconds',
      help: 'Seconds since the routing table was last rebuilt from the registry',
      registers,
      collect() {
        this.set(ageSeconds());
      },
    });
    new Gauge({
      name: 'shardmesh_partition_replicas',
      help: 'Passing replicas in the routing table per partition of every known plan (0: the partition is missing)',
      labelNames: ['model', 'version', 'stage', 'partition'],
      registers,
      collect() {
        this.reset();
        const table = source.table();
        for (const plan of source.plans())
          for (const stage of plan.stages)
            for (let p = 0; p < stage.partitions.length; p++)
              this.set(
                { model: plan.name, version: plan.version, stage: stage.name, partition: String(p) },
                table.replicas(plan.name, plan.version, stage.name, p).length,
              );
      },
    });
  }

  /**
   * The observer `ModelStatisticsBook` keeps for one model version. Its series exist from then, at
   * 0, as Triton's do: a first failure is a change Prometheus sees, not a series appearing.
   */
  readonly forModel = (model: string, version: string): ModelObserver => {
    const labels = { model, version };
    const success = this.#success.cell(labels);
    const failure = this.#failure.cell(labels);
    const inferences = this.#inferences.cell(labels);
    const executions = this.#executions.cell(labels);
    const requestUs = this.#requestUs.cell(labels);
    const streamed = this.#streamed.cell(labels);
    const queueUs = this.#phaseUs.queue.cell(labels);
    const inputUs = this.#phaseUs.computeInput.cell(labels);
    const inferUs = this.#phaseUs.computeInfer.cell(labels);
    const outputUs = this.#phaseUs.computeOutput.cell(labels);
    const succeeded = this.#requestSeconds.cell({ ...labels, outcome: 'success' });
    const failed = this.#requestSeconds.cell({ ...labels, outcome: 'failure' });
    const computeInfer = this.#computeInferSeconds.cell(labels);
    return {
      request: (ok, ns, count, phases) => {
        if (!ok) {
          failure.inc();
          failed.observe(ns / 1e9);
          return;
        }
        success.inc();
        inferences.inc(count);
        requestUs.inc(ns / 1e3);
        succeeded.observe(ns / 1e9);
        if (!phases) return;
        queueUs.inc(Math.max(0, phases.queue) / 1e3);
        inputUs.inc(Math.max(0, phases.computeInput) / 1e3);
        inferUs.inc(Math.max(0, phases.computeInfer) / 1e3);
        outputUs.inc(Math.max(0, phases.computeOutput) / 1e3);
      },
      execution: (_batchSize, ns) => {
        executions.inc();
        computeInfer.observe(ns / 1e9);
      },
      streamed: () => streamed.inc(),
    };
  };

  /** When the routing table was last rebuilt (or the router started). */
  get tableUpdatedMs(): number {
    return this.#tableUpdatedMs;
  }

  tableUpdated(): void {
    this.#tableUpdatedMs = this.nowMs();
    this.#tableUpdates.inc();
  }

  registryError(): void {
    this.#registryErrors.inc();
  }
}
