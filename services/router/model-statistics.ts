/** Per-model counters in Triton's statistics shape: counts and summed nanoseconds. */
interface Duration {
  count: number;
  ns: number;
}

/**
 * Where one successful request's time went, in nanoseconds, in the order it passes the phases
 * (grpc_service.proto, InferStatistics): decoding and checking its inputs (`computeInput`),
 * waiting for its execution to start (`queue`: a dynamic batch filling, else next to nothing),
 * the execution of every stage on the shards with scatter and gather (`computeInfer`), and
 * building the answer (`computeOutput`).
 */
export interface RequestPhasesNs {
  readonly computeInput: number;
  readonly queue: number;
  readonly computeInfer: number;
  readonly computeOutput: number;
}

/** When a request's execution ran: filled by whoever executes it (alone, or in a batch). */
export interface ExecutionTiming {
  startedNs: bigint;
  endedNs: bigint;
}

/**
 * Told of what the book records for one model version (`router-metrics.ts` turns it into
 * Prometheus counters and histograms). Resolved once per model version and kept in its entry.
 */
export interface ModelObserver {
  request(ok: boolean, ns: number, inferences: number, phases: RequestPhasesNs | undefined): void;
  execution(batchSize: number, ns: number): void;
  /** A successful ModelInfer answer that began leaving before its shards had sent all of it. */
  streamed(): void;
}

const PHASES = ['queue', 'computeInput', 'computeInfer', 'computeOutput'] as const;

interface Entry {
  success: Duration;
  fail: Duration;
  /** Successful requests' phases (Triton counts them per request). */
  phases: Record<(typeof PHASES)[number], Duration>;
  /** Batch elements of successful requests (Triton's inference_count). */
  inferences: number;
  /** Plan executions (Triton's execution_count): fewer than requests when requests batch. */
  executions: number;
  /** Executions by batch size, with their summed time (Triton's batch_stats compute_infer). */
  batches: Map<number, Duration>;
  lastInferenceMs: number;
  observer: ModelObserver | undefined;
}

export class ModelStatisticsBook {
  readonly #entries = new Map<string, Entry>();

  /** @param observe makes the observer of a model version, when something watches (metrics). */
  constructor(private readonly observe?: (model: string, version: string) => ModelObserver) {}

  /**
   * One request, `ok` or failed, that took `ns`; `inferences` is its batch size (1 for a model
   * without a batch dim), counted into inference_count when it succeeded.
   */
  record(
    model: string,
    version: string,
    ok: boolean,
    ns: number,
    inferences = 1,
    phases?: RequestPhasesNs,
  ): void {
    const entry = this.#entry(model, version);
    const d = ok ? entry.success : entry.fail;
    d.count += 1;
    d.ns += ns;
    if (ok) entry.inferences += inferences;
    if (ok && phases)
      for (const phase of PHASES) {
        entry.phases[phase].count += 1;
        entry.phases[phase].ns += Math.max(0, phases[phase]);
      }
    entry.lastInferenceMs = Date.now();
    entry.observer?.request(ok, ns, inferences, phases);
  }

  /** One successful execution of the plan over `batchSize` elements (one request, or a batch of them). */
  recordExecution(model: string, version: string, batchSize: number, ns: number): void {
    const entry = this.#entry(model, version);
    entry.executions += 1;
    const d = entry.batches.get(batchSize) ?? { count: 0, ns: 0 };
    d.count += 1;
    d.ns += ns;
    entry.batches.set(batchSize, d);
    entry.observer?.execution(batchSize, ns);
  }

  /** A successful answer was streamed (streamed-answer.ts); only metrics count it. */
  recordStreamed(model: string, version: string): void {
    this.#entry(model, version).observer?.streamed();
  }

  #entry(model: string, version: string): Entry {
    const key = `${model}\u0000${version}`;
    let entry = this.#entries.get(key);
    if (!entry) {
      entry = {
        success: { count: 0, ns: 0 },
        fail: { count: 0, ns: 0 },
        phases: {
          queue: { count: 0, ns: 0 },
          computeInput: { count: 0, ns: 0 },
          computeInfer: { count: 0, ns: 0 },
          computeOutput: { count: 0, ns: 0 },
        },
        inferences: 0,
        executions: 0,
        batches: new Map(),
        lastInferenceMs: 0,
        observer: this.observe?.(model, version),
      };
      this.#entries.set(key, entry);
    }
    return entry;
  }

  /** Statistics messages for the given model versions, zeros where nothing ran yet. */
  snapshot(models: readonly { name: string; version: string }[]): object[] {
    return models.map(({ name, version }) => {
      const e = this.#entries.get(`${name}\u0000${version}`);
      return {
        name,
        version,
        last_inference: e?.lastInferenceMs ?? 0,
        inference_count: e?.inferences ?? 0,
        execution_count: e?.executions ?? 0,
        inference_stats: {
          success: e?.success ?? zero(),
          fail: e?.fail ?? zero(),
          queue: e?.phases.queue ?? zero(),
          compute_input: e?.phases.computeInput ?? zero(),
          compute_infer: e?.phases.computeInfer ?? zero(),
          compute_output: e?.phases.computeOutput ?? zero(),
        },
        batch_stats: [...(e?.batches ?? [])]
          .sort(([a], [b]) => a - b)
          .map(([size, d]) => ({ batch_size: size, compute_infer: { ...d } })),
      };
    });
  }
}

const zero = (): Duration => ({ count: 0, ns: 0 });
