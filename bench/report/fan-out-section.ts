import { ms, perSec, ratio } from '../format.js';
import type { FanOutResult, SuiteError } from '../results.js';
import { Commands, isError, suiteFailed, table, unstable } from './markdown.js';

/** Least-squares slope of p50 (µs) against partitions. */
export function fanOutSlopeUs(f: FanOutResult): number | undefined {
  const pts = f.variants.filter((v) => v.latency).map((v) => [v.partitions, v.latency!.p50Us] as const);
  if (pts.length < 2) return undefined;
  const n = pts.length;
  const mx = pts.reduce((a, [x]) => a + x, 0) / n;
  const my = pts.reduce((a, [, y]) => a + y, 0) / n;
  const sxy = pts.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0);
  const sxx = pts.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  return sxx === 0 ? undefined : sxy / sxx;
}

/** Section 4: latency against the number of partitions, and the slope of the fit. */
export function fanOutSection(s: FanOutResult | SuiteError | undefined): string {
  const failed = suiteFailed('4. Fan-out', s);
  if (failed || !s || isError(s)) return failed ?? '';
  const commands = new Commands();
  const one = s.variants.find((v) => v.partitions === 1)?.latency;
  const rows = s.variants.map((v) => [
    String(v.partitions),
    v.latency ? `${ms(v.latency.p50Us)}${unstable(v.latency)}` : 'failed',
    v.latency ? ms(v.latency.p99Us) : '–',
    v.latency ? perSec(v.latency.throughputPerSec) : '–',
    ratio(v.latency?.p50Us, one?.p50Us),
    v.latency && one && v.partitions > 1 ? ms((v.latency.p50Us - one.p50Us) / (v.partitions - 1)) : '–',
    v.latency ? commands.ref(v.latency.command) : '',
  ]);
  const slope = fanOutSlopeUs(s);
  const errors = s.variants
    .filter((v) => v.error)
    .map((v) => `- ${v.partitions} partition(s): **not measured**: ${v.error}`);
  return (
    `## 4. Fan-out\n\nOne MLP ${s.shape.inputDim}→${s.shape.hiddenDim}→${s.shape.outputDim} (small compute) cut tensor-parallel into N partitions, ` +
    'one shard process each, `sum` gather; concurrency 1.\n\n' +
    table(
      [
        'partitions',
        'p50 ms',
        'p99 ms',
        'inf/s',
        'p50 vs 1 partition',
        'added per extra partition, ms',
        'cmd',
      ],
      rows,
    ) +
    `\n\n${slope !== undefined ? `Least-squares slope: **${ms(slope)} ms per partition** at p50.\n` : ''}` +
    `${errors.length ? `\n${errors.join('\n')}\n` : ''}${commands.render()}`
  );
}
