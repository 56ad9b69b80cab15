import type { Metric, Registry } from 'prom-client';

type Labels<L extends string> = Readonly<Record<L, string>>;

/** One labelled counter series: the request path adds to `value`, a scrape reads it. */
export class CounterCell {
  value = 0;

  inc(by = 1): void {
    this.value += by;
  }
}

/** One labelled histogram series: per-bucket counts (the last is +Inf), their sum and count. */
export class HistogramCell {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    let i = 0;
    while (i < this.bounds.length && value > this.bounds[i]!) i++;
    this.counts[i]! += 1;
    this.sum += value;
    this.count += 1;
  }
}

/**
 * Counters and histograms whose labelled series are plain objects, resolved once and kept by the
 * caller. prom-client's own `labels()` children hash their label set on every `inc`/`observe`
 * (a string built per call, microseconds per request); these cost an addition, and the text is
 * built only when Prometheus scrapes. They register in a prom-client `Registry` like its own
 * metrics (the registry asks each for `get()`).
 */
abstract class CellMetric<L extends string, C> {
  readonly aggregator = 'sum';
  readonly #cells = new Map<string, { labels: Labels<L>; cell: C }>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly L[],
    registry: Registry,
  ) {
    registry.registerMetric(this as unknown as Metric);
  }

  /** The series for `labels`, made on first use (every label name must be given). */
  cell(labels: Labels<L>): C {
    const key = JSON.stringify(this.labelNames.map((n) => labels[n]));
    let entry = this.#cells.get(key);
    if (!entry) {
      entry = { labels: { ...labels }, cell: this.newCell() };
      this.#cells.set(key, entry);
    }
    return entry.cell;
  }

  protected abstract newCell(): C;

  protected get cells(): Iterable<{ labels: Labels<L>; cell: C }> {
    return this.#cells.values();
  }
}

export class CellCounter<L extends string = never> extends CellMetric<L, CounterCell> {
  readonly type = 'counter';

  protected newCell(): CounterCell {
    return new CounterCell();
  }

  get(): object {
    const values = [...this.cells].map(({ labels, cell }) => ({ labels, value: cell.value }));
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}

export class CellHistogram<L extends string = never> extends CellMetric<L, HistogramCell> {
  readonly type = 'histogram';

  constructor(
    name: string,
    help: string,
    labelNames: readonly L[],
    readonly bounds: readonly number[],
    registry: Registry,
  ) {
    super(name, help, labelNames, registry);
  }

  protected newCell(): HistogramCell {
    return new HistogramCell(this.bounds);
  }

  get(): object {
    const values: { labels: object; value: number; metricName: string }[] = [];
    for (const { labels, cell } of this.cells) {
      let cumulative = 0;
      for (let i = 0; i <= this.bounds.length; i++) {
        cumulative += cell.counts[i]!;
        const le = i < this.bounds.length ? String(this.bounds[i]) : '+Inf';
        values.push({ labels: { le, ...labels }, value: cumulative, metricName: `${this.name}_bucket` });
      }
      values.push({ labels, value: cell.sum, metricName: `${this.name}_sum` });
      values.push({ labels, value: cell.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}
