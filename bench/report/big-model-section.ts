import { bytesLabel, ms, ratio } from '../format.js';
import type { BigModelResult, ProcessPeak, SuiteError } from '../results.js';
import { Commands, isError, suiteFailed, table, unstable } from './markdown.js';

/** The largest shard peak RSS of a variant (the router left out). */
export const maxShard = (processes: readonly ProcessPeak[]): number =>
  Math.max(...processes.filter((p) => p.name !== 'router').map((p) => p.peakRssBytes));
const sumShards = (processes: readonly ProcessPeak[]): number =>
  processes.filter((p) => p.name !== 'router').reduce((a, p) => a + p.peakRssBytes, 0);

/** Section 3: latency and per-process peak RSS of the big model, whole and split. */
export function bigModelSection(s: BigModelResult | SuiteError | undefined): string {
  const failed = suiteFailed('3. A model too big for one shard', s);
  if (failed || !s || isError(s)) return failed ?? '';
  const commands = new Commands();
  const whole = s.variants.find((v) => v.partitions === 1);
  const wholeMax = whole?.processes ? maxShard(whole.processes) : undefined;
  const rows = s.variants.map((v) => {
    const router = v.processes?.find((p) => p.name === 'router');
    const largest = v.processes ? maxShard(v.processes) : undefined;
    return [
      String(v.partitions),
      v.latency ? `${ms(v.latency.p50Us)}${unstable(v.latency)}` : 'failed',
      v.latency ? ms(v.latency.p99Us) : '–',
      ratio(v.latency?.p50Us, whole?.latency?.p50Us),
      largest !== undefined ? bytesLabel(largest) : '–',
      ratio(largest, wholeMax),
      v.processes ? bytesLabel(sumShards(v.processes)) : '–',
      router ? bytesLabel(router.peakRssBytes) : '–',
      v.latency ? commands.ref(v.latency.command) : '',
    ];
  });
  const perProcess = s.variants
    .filter((v) => v.processes)
    .map(
      (v) =>
        `- ${v.partitions} partition(s): ${v.processes!.map((p) => `${p.name} ${bytesLabel(p.peakRssBytes)}`).join(', ')}`,
    );
  const errors = s.variants
    .filter((v) => v.error)
    .map((v) => `- ${v.partitions} partition(s): **not measured**: ${v.error}`);
  return (
    `## 3. A model too big for one shard\n\n` +
    `A seeded 2-layer MLP ${s.shape.inputDim}→${s.shape.hiddenDim}→${s.shape.outputDim} with ${bytesLabel(s.weightBytes)} of FP32 weights` +
    `${s.standIn ? ` (**${s.standIn}**)` : ''}, cut tensor-parallel (W1 by columns, W2 by rows, \`sum\` gather), one shard process per partition; ` +
    "batch 1, concurrency 1. Peak resident memory is each process's VmHWM (/proc/PID/status) after the load.\n\n" +
    table(
      [
        'partitions',
        'p50 ms',
        'p99 ms',
        'p50 vs unsplit',
        'largest shard peak RSS',
        'vs unsplit shard',
        'all shards',
        'router',
        'cmd',
      ],
      rows,
    ) +
    `\n\nPer process:\n\n${perProcess.join('\n')}\n${errors.length ? `\n${errors.join('\n')}\n` : ''}${commands.render()}`
  );
}
