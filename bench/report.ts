import type { BenchResults } from './results.js';
import { bigModelSection } from './report/big-model-section.js';
import { costSection } from './report/cost-section.js';
import { environmentSection } from './report/environment-section.js';
import { fanOutSection } from './report/fan-out-section.js';
import { dynamicBatchingSection } from './report/dynamic-batching-section.js';
import { headlineSection } from './report/headline-section.js';
import { largeTensorsSection } from './report/large-tensors-section.js';
import { overheadSection } from './report/overhead-section.js';
import { profileSection } from './report/profile-section.js';

export { fanOutSlopeUs } from './report/fan-out-section.js';

/**
 * The Markdown report of a run: headline (with issue 8's goals and the ratios to `previous`, the
 * last run of the same mode), environment, one section per suite, cost per request, profiles.
 */
export function renderReport(
  r: BenchResults,
  chartFile: string | undefined,
  previous?: BenchResults,
): string {
  const parts = [
    `# shardmesh benchmark ${r.runId}`,
    `Produced by \`${r.command}\` (started ${r.startedAt}, finished ${r.finishedAt ?? '–'}; ` +
      `${r.timingsSec['total'] ?? '?'} s of suites: ${Object.entries(r.timingsSec)
        .filter(([k]) => k !== 'total')
        .map(([k, v]) => `${k} ${v} s`)
        .join(', ')}).` +
      (r.quick
        ? ' **Quick run**: 1 s perf_analyzer windows and a 256 MiB stand-in for the 1 GiB model; run `npm run bench` for the full figures.'
        : ''),
    "Latencies are perf_analyzer's client-side p50 and p99 in milliseconds; throughput is inferences per second. " +
      'A ratio is shardmesh over the other (above 1× means shardmesh is slower or, for throughput, faster). ' +
      'A figure marked \\* came from a rerun that accepted unstable windows (perf_analyzer found no 3 windows within the stability bound).',
    headlineSection(r, previous),
    environmentSection(r),
    chartFile
      ? `## Chart\n\n![latency and throughput against concurrency](${chartFile})\n\nDrawn by \`bench/chart.py\` from ${r.runId}.json, which \`${r.command}\` wrote.\n`
      : '',
    overheadSection(r.suites.overhead),
    largeTensorsSection(r.suites.largeTensors),
    bigModelSection(r.suites.bigModel),
    fanOutSection(r.suites.fanOut, r.environment.cores),
    costSection(r),
    profileSection(r),
    dynamicBatchingSection(r.suites.dynamicBatching),
  ];
  return `${parts
    .filter((p) => p !== '')
    .map((p) => p.trim())
    .join('\n\n')}\n`;
}
