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
    x.relayFloor ? ms(x.relayFloor.p50Us) : '–',
    x.relayFloor ? commands.ref(x.relayFloor.command) : '',
    x.partitionRun ? ms(x.partitionRun.p50Us) : '–',
    x.partitionRun ? commands.ref(x.partitionRun.command) : '',
    ratio(relayFloorGbPerSec(x), x.floor?.gbPerSec),
  ]);
  const errors = [
    ...s.sizes
      .filter((x) => x.routerError)
      .map((x) => `- ${bytesLabel(x.bytes)} through the router: **not measured**: ${x.routerError}`),
    ...(s.floorError ? [`- floor: **not measured**: ${s.floorError}`] : []),
    ...(s.relayFloorError ? [`- relay floor: **not measured**: ${s.relayFloorError}`] : []),
    ...s.sizes
      .filter((x) => x.partitionRunError)
      .map((x) => `- ${bytesLabel(x.bytes)} partition run: **not measured**: ${x.partitionRunError}`),
  ];
  return (
    `## 2. Large tensors\n\nThe \`outer\` model (a [rows, 1] × b [1, cols], b split by columns over ${s.partitions} shards, ` +
    '`concat` gather) at concurrency 1; GB/s is output bytes ÷ p50. The floor moves the same bytes over one raw Node TLS socket ' +
    "(mutual TLS, the router's and the client's certificates) from a server process to the benchmark process. " +
    `The relay floor moves them from ${s.partitions} such servers (an equal part each, as the partitions send theirs) through a ` +
    'relay process that decrypts every byte and encrypts it again for the benchmark process, in order, cut through ' +
    "(bench/floors/tls-relay-server.ts): what a router keeping mutual TLS on both hops must do at least. Partition 0's " +
    'ONNX Runtime run (in the benchmark process, as a shard runs it) is what making the bytes costs before they move; ' +
    'relay + run is the two-hop floor of the goals table.\n\n' +
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
        'relay floor p50 ms',
        'cmd',
        'partition run p50 ms',
        'cmd',
        'relay + run ÷ floor GB/s',
      ],
      rows,
    ) +
    `\n${errors.length ? `\n${errors.join('\n')}\n` : ''}${commands.render()}`
  );
}

/** GB/s of the relay floor after one partition's run: the two-hop floor of the goals table. */
export function relayFloorGbPerSec(x: LargeTensorsResult['sizes'][number]): number | undefined {
  if (!x.relayFloor || !x.partitionRun) return undefined;
  return x.bytes / ((x.relayFloor.p50Us + x.partitionRun.p50Us) * 1e3);
}
