import type { BenchResults } from '../results.js';
import { table } from './markdown.js';

/** Section 6, profile runs only: each router's and shard's .cpuprofile and its top self-time entries. */
export function profileSection(r: BenchResults, top = 8): string {
  if (!r.profile) return '';
  const profiles = r.profiles ?? [];
  const out = [
    '## 6. CPU profiles',
    '',
    "This run was started with `--profile`: every router and shard ran V8's sampling profiler (preloaded by bench/process-probe.ts), which slows them, so " +
      'its figures are compared only with other profile runs. Open a file in Chrome DevTools (Performance) or speedscope. ' +
      'Self time is the share of the busy (non-idle) samples.',
    '',
  ];
  if (profiles.length === 0) out.push('No profile was written.', '');
  for (const p of profiles) {
    out.push(`### ${p.mesh}: ${p.process}, \`bench/results/${p.file}\``, '');
    out.push(
      table(
        ['function', 'self ms', 'self %'],
        p.top.slice(0, top).map((e) => [`\`${e.name}\``, e.selfMs.toFixed(0), e.percentOfBusy.toFixed(1)]),
      ),
      '',
    );
  }
  return out.join('\n');
}
