/** Per-model counters in Triton's statistics shape: counts and summed nanoseconds. */
interface Duration {
  count: number;
  ns: number;
}

interface Entry {
  success: Duration;
  fail: Duration;
  /** Batch elements of successful requests (Triton's inference_count). */
  inferences: number;
  lastInferenceMs: number;
}

export class ModelStatisticsBook {
  readonly #entries = new Map<string, Entry>();

  /**
   * One request, `ok` or failed, that took `ns`; `inferences` is its batch size (1 for a model
   * without a batch dim), counted into inference_count when it succeeded.
   */
  record(model: string, version: string, ok: boolean, ns: number, inferences = 1): void {
    const key = `${model}\u0000${version}`;
    const entry = this.#entries.get(key) ?? {
      success: { count: 0, ns: 0 },
      fail: { count: 0, ns: 0 },
      inferences: 0,
      lastInferenceMs: 0,
    };
    const d = ok ? entry.success : entry.fail;
    d.count += 1;
    d.ns += ns;
    if (ok) entry.inferences += inferences;
    entry.lastInferenceMs = Date.now();
    this.#entries.set(key, entry);
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
        execution_count: e?.success.count ?? 0,
        inference_stats: { success: e?.success ?? { count: 0, ns: 0 }, fail: e?.fail ?? { count: 0, ns: 0 } },
      };
    });
  }
}
