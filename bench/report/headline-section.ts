import { bytesLabel, ms, perSec, ratio } from '../format.js';
import type { BenchResults } from '../results.js';
import { goalsTable } from './goals.js';
import { maxShard } from './big-model-section.js';
import { fanOutCpuSlopes, fanOutSlopeUs } from './fan-out-section.js';
import { largeRatioSpreads } from './large-tensors-section.js';
import { isError, pointAt, table } from './markdown.js';

/**
 * The report's first tables: issue 8's goals (each figure beside its goal and the previous run of
 * the same mode), then shardmesh against each peer and the floor, then one line per other suite.
 */
export function headlineSection(r: BenchResults, previous?: BenchResults): string {
  const intro =
    '## Headline\n\n' +
    '**shardmesh keeps mutual TLS on both hops (perf_analyzer → router → shard) while the peers serve plaintext.**\n\n' +
    `### Goals (issue 8)\n\n${goalsTable(r, previous)}\n\n` +
    (previous
      ? `"vs previous" is this run ÷ run ${previous.runId} (${previous.quick ? 'quick' : 'full'}${previous.profile ? ', profiled' : ''}, the newest of the same mode before it); ` +
        'for a ≤ goal below 1× is better, for a ≥ goal above 1×.'
      : 'No previous run of the same mode in bench/results: nothing to compare with.') +
    ' "met" is judged on this one run. The figures against KServe and the CPU per request are the median of ' +
    'interleaved rounds: shardmesh (router + 1 shard) and KServe both running, taking turns one perf_analyzer ' +
    'run each (windows of a fixed request count), first one then the other (bench/interleaved.ts), because the speed of this shared machine ' +
    'drifts by up to 2× over an hour; "single pass" is the same figure from §1, where each server is measured ' +
    'in its own pass minutes apart. Their two-hop floor is the relay floor taking a third turn in the same rounds ' +
    "(the median of its ratio to KServe's window beside it), when it ran there. " +
    'The other figures come from one pass and move by tens of percent between runs.\n\n';
  const before = previous?.suites.overhead;
  const o = r.suites.overhead;
  const rows: string[][] = [];
  if (o && !isError(o)) {
    for (const m of o.models) {
      const mesh = m.targets.find((t) => t.id === 'shardmesh-p1');
      const others = m.targets.filter((t) => !t.id.startsWith('shardmesh'));
      for (const c of [1, 16]) {
        const s = pointAt(mesh, c);
        if (!s) continue;
        const was =
          before && !isError(before)
            ? pointAt(
                before.models.find((x) => x.name === m.name)?.targets.find((t) => t.id === 'shardmesh-p1'),
                c,
              )
            : undefined;
        rows.push([
          m.name,
          String(c),
          `${ms(s.p50Us)} / ${perSec(s.throughputPerSec)}`,
          was ? `${ratio(s.p50Us, was.p50Us)}, ${ratio(s.throughputPerSec, was.throughputPerSec)}` : '–',
          ...others.map((t) => {
            const p = pointAt(t, c);
            return p
              ? `${ms(p.p50Us)} / ${perSec(p.throughputPerSec)} (${ratio(s.p50Us, p.p50Us)}, ${ratio(s.throughputPerSec, p.throughputPerSec)})`
              : t.error
                ? 'failed'
                : '–';
          }),
        ]);
      }
    }
    const header = [
      'model',
      'concurrency',
      'shardmesh p50 ms / inf/s',
      'vs previous (p50, inf/s)',
      ...(o.models[0]?.targets
        .filter((t) => !t.id.startsWith('shardmesh'))
        .map((t) => `${t.label} (p50 ratio, inf/s ratio)`) ?? []),
    ];
    return (
      intro +
      '### Against the peers\n\nshardmesh is the router with one shard serving the whole model. Every figure here is ' +
      'repeated in sections 1–4 below, which name the command that produced it.\n\n' +
      `${table(header, rows)}\n\n${headlineExtras(r)}`
    );
  }
  return `${intro}The overhead suite did not run.\n\n${headlineExtras(r)}`;
}

function headlineExtras(r: BenchResults): string {
  const lines: string[] = [];
  const l = r.suites.largeTensors;
  if (l && !isError(l)) {
    for (const s of l.sizes) {
      const spread = largeRatioSpreads(s).ratio;
      if (s.router && s.floor && spread)
        lines.push(
          `- ${bytesLabel(s.bytes)} output through the router: ${ratio(spread.median, 1)} of a raw TLS socket` +
            (spread.rounds > 1 ? ` (median of ${spread.rounds} rounds taken in turns)` : '') +
            `; ${s.router.gbPerSec.toFixed(3)} GB/s against ${s.floor.gbPerSec.toFixed(3)} GB/s in the median round.`,
        );
    }
  }
  const b = r.suites.bigModel;
  if (b && !isError(b)) {
    const whole = b.variants.find((v) => v.partitions === 1);
    const wholeMax = whole?.processes ? maxShard(whole.processes) : undefined;
    for (const v of b.variants.filter((x) => x.partitions > 1)) {
      if (!v.processes || wholeMax === undefined) continue;
      lines.push(
        `- ${bytesLabel(b.weightBytes)} model in ${v.partitions} shards: largest shard peaks at ${bytesLabel(maxShard(v.processes))} ` +
          `(${ratio(maxShard(v.processes), wholeMax)} of one unsplit shard's ${bytesLabel(wholeMax)}), ` +
          `p50 ${v.latency ? ms(v.latency.p50Us) : '–'} ms vs ${whole?.latency ? ms(whole.latency.p50Us) : '–'} ms unsplit.`,
      );
    }
  }
  const f = r.suites.fanOut;
  if (f && !isError(f)) {
    const slope = fanOutSlopeUs(f);
    const cpu = fanOutCpuSlopes(f);
    if (slope !== undefined)
      lines.push(
        `- Fan-out: each partition adds ${ms(slope)} ms at p50 (least-squares slope over 1–8 partitions)` +
          (cpu
            ? ` and ${cpu.total.toFixed(2)} ms of CPU (router ${cpu.router.toFixed(2)}), all on ${r.environment.cores} cores.`
            : '.'),
      );
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}
