import type { MeshStatus } from './mesh-status.js';

const RED = '\u001b[31m';
const YELLOW = '\u001b[33m';
const RESET = '\u001b[0m';

const HEADER = [
  'MODEL/VERSION',
  'STAGE',
  'PART',
  'INSTANCE',
  'ADDRESS',
  'HEALTH',
  'IN-FLIGHT',
  'REQ/S',
  'P50 MS',
  'P99 MS',
];

const fixed = (n: number | null, digits: number): string => (n === null ? '-' : n.toFixed(digits));

/** Days from `now` to `notAfter`, as people read an expiry. */
function expiresIn(notAfter: string, now: Date): string {
  const days = (Date.parse(notAfter) - now.getTime()) / 86_400_000;
  if (days < 0) return `EXPIRED ${notAfter}`;
  return `${notAfter.slice(0, 10)} (${days < 2 ? `${(days * 24).toFixed(1)} h` : `${Math.floor(days)} days`})`;
}

/**
 * `shardmesh status` for people: one row per replica (critical and ejected ones in yellow, a
 * critical one with the registry's reason), a missing partition as a red row, routers and
 * certificates below. `color` off for a pipe or NO_COLOR.
 */
export function renderMeshStatus(status: MeshStatus, color: boolean): string {
  const paint = (code: string, text: string): string => (color ? `${code}${text}${RESET}` : text);
  const rows: { cells: string[]; code?: string }[] = [];
  for (const m of status.models)
    for (const s of m.stages)
      for (const p of s.partitions) {
        const lead = [`${m.model}/${m.version}`, s.stage, String(p.partition)];
        if (p.missing) {
          const why =
            p.replicas.length === 0
              ? 'no passing replica registered'
              : `no passing replica; ${p.replicas.length} critical below`;
          rows.push({ cells: [...lead, `MISSING: ${why}`], code: RED });
        }
        for (const r of p.replicas)
          rows.push({
            cells: [
              ...lead,
              r.instance,
              r.address,
              r.note === undefined ? r.health : `${r.health} (${r.note})`,
              String(r.inFlight),
              r.requestsPerSecond.toFixed(1),
              fixed(r.p50Ms, 2),
              fixed(r.p99Ms, 2),
            ],
            ...(r.health === 'passing' ? {} : { code: YELLOW }),
          });
      }
  const table = [{ cells: HEADER }, ...rows];
  // A missing row's message spans the columns after PART: it sets only the widths before it.
  const widths = HEADER.map((_, c) =>
    Math.max(
      ...table
        .filter((r) => c < r.cells.length - 1 || r.cells.length === HEADER.length)
        .map((r) => r.cells[c]!.length),
    ),
  );
  const now = new Date(status.generatedAt);
  const lines = [`shardmesh status  ${status.generatedAt}  registry ${status.registry}`, ''];
  for (const row of table) {
    const text = row.cells
      .map((cell, c) => (c === row.cells.length - 1 ? cell : cell.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd();
    lines.push(row.code ? paint(row.code, text) : text);
  }
  if (status.models.length === 0) lines.push('(no models: no plans found and nothing registered)');
  lines.push('');
  if (status.missing.length > 0)
    lines.push(paint(RED, `${status.missing.length} partition(s) missing: ${status.missing.join(', ')}`));
  for (const r of status.routers)
    lines.push(
      r.ok
        ? `router ${r.address}: routing table ${r.routingTableAgeSeconds.toFixed(1)} s old, certificate expires ${expiresIn(r.certificateNotAfter, now)}`
        : paint(RED, `router ${r.address}: no answer (${r.error})`),
    );
  for (const c of status.certificates)
    lines.push(`certificate ${c.name}: expires ${expiresIn(c.notAfter, now)}`);
  return `${lines.join('\n')}\n`;
}
