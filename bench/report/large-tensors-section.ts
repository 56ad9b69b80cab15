import { bytesLabel, ms, ratio } from '../format.js';
import { spreadOf, type Spread } from '../interleaved.js';
import type { LargeTensorRound, LargeTensorsResult, SuiteError } from '../results.js';
import { Commands, isError, suiteFailed, table, unstable } from './markdown.js';

type LargeTensorSize = LargeTensorsResult['sizes'][number];

/** A size's rounds; a run from before rounds has its one measurement as the only round. */
const roundsOf = (x: LargeTensorSize): readonly LargeTensorRound[] => (x.rounds?.length ? x.rounds : [x]);

/** GB/s of the relay floor after one partition's run: the two-hop floor of the goals table. */
export function relayFloorGbPerSec(round: LargeTensorRound, bytes: number): number | undefined {
  if (!round.relayFloor || !round.partitionRun) return undefined;
  return bytes / ((round.relayFloor.p50Us + round.partitionRun.p50Us) * 1e3);
}

/** GB/s of the gRPC relay floor after one partition's run (its senders run no model). */
export function grpcRelayFloorGbPerSec(round: LargeTensorRound, bytes: number): number | undefined {
  if (!round.grpcRelayFloor || !round.partitionRun) return undefined;
  return bytes / ((round.grpcRelayFloor.p50Us + round.partitionRun.p50Us) * 1e3);
}

/**
 * Per round, the router's GB/s ÷ the raw socket's (`ratio`), the TLS relay floor's after one run ÷
 * the raw socket's (`floorRatio`) and the gRPC relay floor's after one run ÷ the raw socket's
 * (`grpcFloorRatio`), each the ratio of measurements taken one right after the other; their
 * medians and ranges over the rounds.
 */
export function largeRatioSpreads(x: LargeTensorSize): {
  ratio?: Spread;
  floorRatio?: Spread;
  grpcFloorRatio?: Spread;
} {
  const rounds = roundsOf(x);
  const over = (gbPerSec: number | undefined, r: LargeTensorRound): number | undefined =>
    gbPerSec === undefined || !r.floor ? undefined : gbPerSec / r.floor.gbPerSec;
  return {
    ratio: spreadOf(rounds.map((r) => over(r.router?.gbPerSec, r))),
    floorRatio: spreadOf(rounds.map((r) => over(relayFloorGbPerSec(r, x.bytes), r))),
    grpcFloorRatio: spreadOf(rounds.map((r) => over(grpcRelayFloorGbPerSec(r, x.bytes), r))),
  };
}

const spreadText = (s: Spread | undefined): string =>
  s ? `${ratio(s.median, 1)} (${ratio(s.min, 1)} – ${ratio(s.max, 1)}, ${s.rounds})` : '–';

/** Section 2: GB/s through the router against the raw TLS socket and the relay floor, per round. */
export function largeTensorsSection(s: LargeTensorsResult | SuiteError | undefined): string {
  const failed = suiteFailed('2. Large tensors', s);
  if (failed || !s || isError(s)) return failed ?? '';
  const commands = new Commands();
  const rows = s.sizes.flatMap((x) =>
    roundsOf(x).map((round, i) => [
      bytesLabel(x.bytes),
      x.rounds?.length ? String(i + 1) : '–',
      round.router ? `${ms(round.router.p50Us)}${unstable(round.router)}` : 'failed',
      round.router ? ms(round.router.p99Us) : '–',
      round.router ? round.router.gbPerSec.toFixed(3) : '–',
      round.router ? commands.ref(round.router.command) : '',
      round.floor ? ms(round.floor.p50Us) : '–',
      round.floor ? round.floor.gbPerSec.toFixed(3) : '–',
      round.floor ? commands.ref(round.floor.command) : '',
      ratio(round.router?.gbPerSec, round.floor?.gbPerSec),
      round.relayFloor ? ms(round.relayFloor.p50Us) : '–',
      round.relayFloor ? commands.ref(round.relayFloor.command) : '',
      round.partitionRun ? ms(round.partitionRun.p50Us) : '–',
      round.partitionRun ? commands.ref(round.partitionRun.command) : '',
      ratio(relayFloorGbPerSec(round, x.bytes), round.floor?.gbPerSec),
      round.grpcRelayFloor ? ms(round.grpcRelayFloor.p50Us) : '–',
      round.grpcRelayFloor ? commands.ref(round.grpcRelayFloor.command) : '',
      ratio(grpcRelayFloorGbPerSec(round, x.bytes), round.floor?.gbPerSec),
    ]),
  );
  const medians = s.sizes.map((x) => {
    const { ratio: r, floorRatio, grpcFloorRatio } = largeRatioSpreads(x);
    return `- ${bytesLabel(x.bytes)}: router ÷ floor ${spreadText(r)}; TLS relay + run ÷ floor ${spreadText(floorRatio)}; gRPC relay + run ÷ floor ${spreadText(grpcFloorRatio)} (median, min – max, rounds).`;
  });
  const errors = [
    ...s.sizes
      .filter((x) => x.routerError)
      .map((x) => `- ${bytesLabel(x.bytes)} through the router: **not measured**: ${x.routerError}`),
    ...(s.floorError ? [`- floor: **not measured**: ${s.floorError}`] : []),
    ...(s.relayFloorError ? [`- relay floor: **not measured**: ${s.relayFloorError}`] : []),
    ...(s.grpcRelayFloorError ? [`- gRPC relay floor: **not measured**: ${s.grpcRelayFloorError}`] : []),
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
    '(bench/floors/tls-relay-server.ts): what a router keeping mutual TLS on both hops must do at least. The gRPC relay ' +
    `floor sends perf_analyzer the same ModelInfer answer as the mesh, from ${s.partitions} grpc-js senders set up as shards through a ` +
    'grpc-js relay set up as the router, one copy into the answer and streamed while it arrives, with nothing else ' +
    "(bench/floors/grpc-bulk-relay.ts): what a router on grpc-js must do at least. Partition 0's " +
    'ONNX Runtime run (in the benchmark process, as a shard runs it) is what making the bytes costs before they move; ' +
    'gRPC relay + run is the two-hop floor of the goals table (TLS relay + run in a run without it). The mesh and the floors all stay up and take turns, one ' +
    'measurement each per round, each round starting one measurement later, so every ratio compares measurements ' +
    'taken minutes apart at most; the goals take the median over rounds.\n\n' +
    table(
      [
        'output',
        'round',
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
        'gRPC relay floor p50 ms',
        'cmd',
        'gRPC relay + run ÷ floor GB/s',
      ],
      rows,
    ) +
    `\n\n${medians.join('\n')}\n` +
    `${errors.length ? `\n${errors.join('\n')}\n` : ''}${commands.render()}`
  );
}
