import { bytesLabel } from '../format.js';
import type { LoadPoint } from '../perf-analyzer.js';
import type { ProcessCost } from '../process-cost.js';
import type { BenchResults } from '../results.js';
import { perRequest } from './goals.js';
import { isError, table } from './markdown.js';

const num = (v: number | undefined): string =>
  v === undefined || !Number.isFinite(v)
    ? '–'
    : v < 10
      ? v.toFixed(2)
      : v < 100
        ? v.toFixed(1)
        : v.toFixed(0);

function processCell(p: ProcessCost): string {
  const gc = p.gc ? ` (GC ${num(p.gc.msPerRequest)}: ${p.gc.count} GCs, ${p.gc.major} major)` : '';
  return `${p.name} ${num(p.cpuMsPerRequest)}${gc}`;
}

/** Every measured point that carries a cost, labelled by suite, target and concurrency. */
export function costedPoints(r: BenchResults): { where: string; point: LoadPoint }[] {
  const out: { where: string; point: LoadPoint }[] = [];
  const add = (where: string, p: LoadPoint | undefined): void => {
    if (p?.cost) out.push({ where, point: p });
  };
  const o = r.suites.overhead;
  if (o && !isError(o))
    for (const m of o.models)
      for (const t of m.targets)
        for (const p of t.points) add(`${m.name}, ${t.label}, c=${p.concurrency}`, p as LoadPoint);
  const l = r.suites.largeTensors;
  if (l && !isError(l)) for (const s of l.sizes) add(`${bytesLabel(s.bytes)} output, c=1`, s.router);
  const b = r.suites.bigModel;
  if (b && !isError(b)) for (const v of b.variants) add(`${v.model} (big model), c=1`, v.latency);
  const f = r.suites.fanOut;
  if (f && !isError(f)) for (const v of f.variants) add(`${v.model} (fan-out), c=1`, v.latency);
  return out;
}

/** Section 5: CPU and GC milliseconds per request of every process on the request path. */
export function costSection(r: BenchResults): string {
  const points = costedPoints(r);
  if (points.length === 0) return '';
  const rows = points.map(({ where, point }) => {
    const c = point.cost!;
    return [
      where,
      `${c.requests}${c.requestsFrom === 'router statistics' ? '' : ' ≈'}`,
      num(perRequest(point, 'cpu')),
      num(perRequest(point, 'gc')),
      c.processes.map(processCell).join('; '),
    ];
  });
  return [
    '## 5. CPU and GC per request',
    '',
    'Over each perf_analyzer run (its windows and its start), the user + kernel CPU of every server process ' +
      "(and its children: a Python server's workers count) from `/proc/PID/stat`, and for the router and shards " +
      'the garbage-collection pauses V8 reports (a `PerformanceObserver` preloaded with `NODE_OPTIONS=--import bench/process-probe.js`; ' +
      'no code in cli/ or services/ is involved), divided by the requests in the same span. shardmesh counts are exact ' +
      "(the router's ModelStatistics before and after); a peer's (≈) are perf_analyzer's throughput × the span, " +
      'which includes its start without load, so they overstate requests and understate the cost per request. ' +
      'CPU figures have /proc’s 10 ms resolution over runs of seconds.',
    '',
    table(['where', 'requests', 'CPU ms/request', 'GC ms/request', 'per process: CPU ms/request (GC)'], rows),
    '',
  ].join('\n');
}
