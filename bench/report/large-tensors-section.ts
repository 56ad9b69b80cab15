import { bytesLabel, ms, ratio } from '../format.js';
import type { LargeTensorsResult, SuiteError } from '../results.js';
import { Commands, isError, suiteFailed, table, unstable } from './markdown.js';

/** Section 2: GB/s through the router against the raw TLS socket. */
export function largeTensorsSection(s: LargeTensorsResult | SuiteError | undefined): string {
  const failed = suiteFailed('2. Large tensors', s);
  if (failed || !s || isError(s)) return failed ?? '';
  const commands = new Commands();
  const rows = s.sizes.map((x) => [
    bytesLabel(x.bytes),
    x.router ? `${ms(x.router.p50Us)}${unstable(x.router)}` : 'failed',
    x.router ? ms(x.router.p99Us) : '–',
    x.router ? x.router.gbPerSec.toFixed(3) : '–',
    x.router ? commands.ref(x.router.command) : '',
    x.floor ? ms(x.floor.p50Us) : '–',
    x.floor ? x.floor.gbPerSec.toFixed(3) : '–',
    x.floor ? commands.ref(x.floor.command) : '',
    ratio(x.router?.gbPerSec, x.floor?.gbPerSec),
  ]);
  const errors = [
    ...s.sizes
      .filter((x) => x.routerError)
      .map((x) => `- ${bytesLabel(x.bytes)} through the router: **not measured**: ${x.routerError}`),
    ...(s.floorError ? [`- floor: **not measured**: ${s.floorError}`] : []),
  ];
  return (
    `## 2. Large tensors\n\nThe \`outer\` model (a [rows, 1] × b [1, cols], b split by columns over ${s.partitions} shards, ` +
    '`concat` gather) at concurrency 1; GB/s is output bytes ÷ p50. The floor moves the same bytes over one raw Node TLS socket ' +
    "(mutual TLS, the router's and the client's certificates) from a server process to the benchmark process.\n\n" +
    table(
      [
        'output',
        'router p50 ms',
        'router p99 ms',
        'router GB/s',
        'cmd',
        'floor p50 ms',
        'floor GB/s',
        'cmd',
        'router ÷ floor GB/s',
      ],
      rows,
    ) +
    `\n${errors.length ? `\n${errors.join('\n')}\n` : ''}${commands.render()}`
  );
}
