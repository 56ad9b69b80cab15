import { ms, perSec, ratio } from '../format.js';
import type { LoadPoint } from '../perf-analyzer.js';
import type { DynamicBatchingResult, SuiteError } from '../results.js';
import { perRequest } from './goals.js';
import { Commands, isError, suiteFailed, table, unstable } from './markdown.js';

/** Section 7: each model with every request run alone and with the router's dynamic batching. */
export function dynamicBatchingSection(s: DynamicBatchingResult | SuiteError | undefined): string {
  const failed = suiteFailed('7. Dynamic batching', s);
  if (failed || !s || isError(s)) return failed ?? '';
  const commands = new Commands();
  const cell = (p: LoadPoint | undefined, text: (p: LoadPoint) => string): string => (p ? text(p) : '–');
  const cpu = (p: LoadPoint | undefined): string => {
    const v = perRequest(p, 'cpu');
    return v === undefined ? '–' : v.toFixed(2);
  };
  const rows = s.models.map((m) => [
    m.label,
    cell(m.alone, (p) => `${perSec(p.throughputPerSec)}${unstable(p)}`),
    cell(m.batched, (p) => `${perSec(p.throughputPerSec)}${unstable(p)}`),
    ratio(m.batched?.throughputPerSec, m.alone?.throughputPerSec),
    cell(m.alone, (p) => ms(p.p50Us)),
    cell(m.batched, (p) => ms(p.p50Us)),
    m.meanBatch === undefined ? '–' : m.meanBatch.toFixed(1),
    `${cpu(m.alone)} / ${cpu(m.batched)}`,
    [m.alone, m.batched].map((p) => (p ? commands.ref(p.command) : '')).join(' '),
  ]);
  const errors = s.models.filter((m) => m.error).map((m) => `- ${m.label}: **not measured**: ${m.error}`);
  return (
    '## 7. Dynamic batching\n\n' +
    `Router + 1 shard; each model twice, with max_batch_size ${s.maxBatchSize}: every request run alone, and with ` +
    "the router's dynamic batching on (`dynamicBatching` in the plan, no queue delay: requests that arrive while a " +
    `run is going wait for the next one, which takes them all). perf_analyzer at concurrency ${s.concurrency}; the two ` +
    `take turns, ${s.rounds === 1 ? 'once each' : `${s.rounds} times each, and each keeps its best window`}.\n\n` +
    table(
      [
        'model',
        'alone inf/s',
        'batched inf/s',
        'batched ÷ alone',
        'alone p50 ms',
        'batched p50 ms',
        'requests per run (batched)',
        'router + shard CPU ms/request, alone / batched',
        'cmd',
      ],
      rows,
    ) +
    `${errors.length ? `\n\n${errors.join('\n')}` : ''}\n${commands.render()}`
  );
}
