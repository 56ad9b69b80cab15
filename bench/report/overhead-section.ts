import { ms, perSec, ratio } from '../format.js';
import type { OverheadResult, SuiteError } from '../results.js';
import { perRequest } from './goals.js';
import { Commands, isError, pointAt, suiteFailed, table, unstable } from './markdown.js';

/** Section 1: per model, every server at every concurrency, then shardmesh's ratios to each. */
export function overheadSection(s: OverheadResult | SuiteError | undefined): string {
  const failed = suiteFailed('1. Per-request overhead', s);
  if (failed || !s || isError(s)) return failed ?? '';
  const commands = new Commands();
  const out = ['## 1. Per-request overhead', ''];
  for (const m of s.models) {
    const levels = [...new Set(m.targets.flatMap((t) => t.points.map((p) => p.concurrency)))].sort(
      (a, b) => a - b,
    );
    out.push(`### ${m.label}, input [${m.inputShape.join(', ')}]`, '');
    const rows = m.targets.map((t) => [
      t.label,
      ...levels.flatMap((c) => {
        const p = pointAt(t, c);
        return p
          ? [`${ms(p.p50Us)}${unstable(p)}`, ms(p.p99Us), perSec(p.throughputPerSec), commands.ref(p.command)]
          : ['–', '–', '–', ''];
      }),
    ]);
    out.push(
      table(['server', ...levels.flatMap((c) => [`c${c} p50`, `c${c} p99`, `c${c} inf/s`, 'cmd'])], rows),
      '',
    );
    const failures = m.targets.filter((t) => t.error);
    for (const t of failures) out.push(`- ${t.label}: **not measured**: ${t.error}`);
    if (failures.length) out.push('');
    out.push('Ratios (shardmesh ÷ other; p50, p99, inf/s):', '');
    const mesh = m.targets.filter((t) => t.id.startsWith('shardmesh'));
    const ratioRows: string[][] = [];
    for (const a of mesh) {
      // Every shardmesh setup against every other target, each pair once.
      for (const b of m.targets.filter(
        (t) => t !== a && !(t.id.startsWith('shardmesh') && mesh.indexOf(t) < mesh.indexOf(a)),
      )) {
        ratioRows.push([
          `${a.label} ÷ ${b.label}`,
          ...levels.map((c) => {
            const x = pointAt(a, c);
            const y = pointAt(b, c);
            return `${ratio(x?.p50Us, y?.p50Us)}, ${ratio(x?.p99Us, y?.p99Us)}, ${ratio(x?.throughputPerSec, y?.throughputPerSec)}`;
          }),
        ]);
      }
    }
    out.push(table(['', ...levels.map((c) => `concurrency ${c}`)], ratioRows), '');
    out.push('Setups:', '', ...m.targets.map((t) => `- ${t.label}: ${t.setup}`), '');
  }
  out.push(interleavedRounds(s.interleaved, commands));
  return `${out.join('\n')}${commands.render()}`;
}

/** Every interleaved round of shardmesh, the goals' peer and the relay floor, in the order they ran. */
function interleavedRounds(i: OverheadResult['interleaved'], commands: Commands): string {
  const title =
    '### Interleaved rounds: shardmesh (router + 1 shard), KServe and the relay floor taking turns\n\n';
  if (!i) return `${title}Not run.\n`;
  if (isError(i)) return `${title}Not measured: ${i.error}\n`;
  const rows: string[][] = [];
  const failures: string[] = [];
  for (const p of i.points) {
    if (p.error) failures.push(`- ${p.model} c=${p.concurrency}: **not measured**: ${p.error}`);
    if (p.floorError)
      failures.push(`- ${p.model} c=${p.concurrency}: the relay floor **not measured**: ${p.floorError}`);
    p.rounds.forEach((r, n) => {
      const cpu = perRequest(r.mesh, 'cpu');
      rows.push([
        p.model,
        String(p.concurrency),
        String(n + 1),
        r.first === 'mesh' ? 'shardmesh' : 'KServe',
        `${ms(r.mesh.p50Us)}${unstable(r.mesh)} / ${perSec(r.mesh.throughputPerSec)} ${commands.ref(r.mesh.command)}`,
        `${ms(r.peer.p50Us)}${unstable(r.peer)} / ${perSec(r.peer.throughputPerSec)} ${commands.ref(r.peer.command)}`,
        `${ratio(r.mesh.p50Us, r.peer.p50Us)}, ${ratio(r.mesh.throughputPerSec, r.peer.throughputPerSec)}`,
        cpu === undefined ? '–' : cpu.toFixed(2),
        r.floor
          ? `${ms(r.floor.p50Us)}${unstable(r.floor)} / ${perSec(r.floor.throughputPerSec)} ${commands.ref(r.floor.command)}`
          : '–',
        r.floor
          ? `${ratio(r.floor.p50Us, r.peer.p50Us)}, ${ratio(r.floor.throughputPerSec, r.peer.throughputPerSec)}`
          : '–',
      ]);
    });
  }
  return (
    title +
    `shardmesh and KServe running throughout, the relay floor (bench/floors/grpc-relay-server.ts → grpc-model-server.ts, mutual TLS on both hops) throughout each model's rounds; ` +
    `one perf_analyzer run each per round (windows of a fixed request count), in the order shardmesh, KServe, floor or the reverse, alternating; ` +
    `the goals table takes the median of each figure over the ${i.rounds} rounds, and its two-hop floor the median of the floor's ratio to the KServe window beside it.\n\n` +
    table(
      [
        'model',
        'c',
        'round',
        'first',
        'shardmesh p50 ms / inf/s',
        'KServe p50 ms / inf/s',
        'ratio (p50, inf/s)',
        'shardmesh CPU ms per request',
        'relay floor p50 ms / inf/s',
        'floor ÷ KServe (p50, inf/s)',
      ],
      rows,
    ) +
    (failures.length ? `\n\n${failures.join('\n')}` : '') +
    '\n'
  );
}
