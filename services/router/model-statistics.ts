/** Per-model counters in Triton's statistics shape: counts and summed nanoseconds. */
interface Duration {
  count: number;
  ns: number;
}

interface Entry {
  success: Duration;
  fail: Duration;
  lastInferenceMs: number;
}

export class ModelStatisticsBook {
  readonly #entries = new Map<string, Entry>();

  record(model: string, version: string, ok: boolean, ns: number): void {
    const key = `${model}\u0000${version}`;
    const entry = this.#entries.get(key) ?? {
      success: { count: 0, ns: 0 },
      fail: { count: 0, ns: 0 },
      lastInferenceMs: 0,
    };
    const d = ok ? entry.success : entry.fail;
    d.count += 1;
    d.ns += ns;
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
        inference_count: e?.success.count ?? 0,
        execution_count: e?.success.count ?? 0,
        inference_stats: { success: e?.success ?? { count: 0, ns: 0 }, fail: e?.fail ?? { count: 0, ns: 0 } },
      };
    });
  }
}
