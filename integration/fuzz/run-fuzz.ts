import { status as Status } from '@grpc/grpc-js';
import { loadInferencePackage } from '../../lib/grpc/protos.js';
import { MAX_STATUS_DETAILS_BYTES } from '../../lib/grpc/status-text.js';
import type { RawCallResult, RawGrpcSession } from '../harness/raw-grpc.js';
import { fuzzCase, type CaseLimits, type Family, type FuzzCase, type FuzzModel } from './cases.js';

export interface FuzzOptions {
  readonly seed: number;
  readonly cases: number;
  /** Runs only these cases of the seed (to run a reported one again), instead of `0 .. cases-1`. */
  readonly only?: readonly number[];
  /** Calls in flight at once. @default 8 */
  readonly concurrency?: number;
  /** Each call's gRPC deadline; a call with no status by then plus the session's grace hangs. @default 30000 */
  readonly deadlineMs?: number;
  readonly limits?: CaseLimits;
  /** Called every `every` cases with the count so far, for a long run's progress line. */
  readonly progress?: { every: number; report(done: number): void };
}

/** Codes a well-formed request with bad content must never get: they blame the server. */
const SERVER_FAULTS: ReadonlySet<number> = new Set([Status.INTERNAL, Status.UNKNOWN, Status.UNAVAILABLE]);

/**
 * Codes a request known to be valid may meet on a loaded machine (a per-attempt timeout on the
 * only replica, a byte budget, the deadline): counted as `load` and printed, not held against the
 * input handling. Only cases the generator built valid get this leeway, never mutated ones.
 */
const LOAD: ReadonlySet<number> = new Set([
  Status.UNAVAILABLE,
  Status.DEADLINE_EXCEEDED,
  Status.RESOURCE_EXHAUSTED,
]);

export interface FuzzReport {
  /** Cases by family, then by outcome: a status name, `reset` or `hang`. */
  readonly counts: Record<string, Record<string, number>>;
  /** Every broken promise, with the case's index so it can be run again. */
  readonly violations: string[];
  /** Valid requests (calls or stream messages) that met LOAD codes, with their messages. */
  readonly load: string[];
  readonly hangs: number;
  /** The largest grpc-message seen, as sent (percent-encoded) and decoded. */
  readonly maxDetailsWireBytes: number;
  readonly maxDetailsBytes: number;
}

type StreamAnswer = { error_message: string; infer_response?: { id?: string } | null };
type Decoder<T> = { deserialize(bytes: Buffer): T };
const decoder = <T>(type: string): Decoder<T> =>
  loadInferencePackage().packageDefinition[`inference.${type}`] as unknown as Decoder<T>;

const outcome = (result: RawCallResult): string =>
  result.ended === 'status' ? (Status[result.code!] ?? `code ${result.code}`) : result.ended;

/** What `result` breaks of `c`'s promises (empty when it keeps them all), and its load outcomes. */
function judge(c: FuzzCase, result: RawCallResult, load: string[]): string[] {
  const broken: string[] = [];
  const tag = `case ${c.index} (${c.what.slice(0, 120)})`;
  if (result.ended !== 'status')
    broken.push(`${tag}: ended by ${result.reason ?? result.ended}, without a status`);
  if (Buffer.byteLength(result.details) > MAX_STATUS_DETAILS_BYTES)
    broken.push(`${tag}: a ${Buffer.byteLength(result.details)}-byte status message`);
  if (result.ended !== 'status') return broken;
  const code = result.code!;
  if (c.method === 'ModelInfer' && c.expectOk && LOAD.has(code)) {
    load.push(`${tag}: ${Status[code]}: ${result.details.slice(0, 200)}`);
    return broken;
  }
  if (c.wellFormed && SERVER_FAULTS.has(code))
    broken.push(`${tag}: ${Status[code]} for a well-formed request: ${result.details.slice(0, 200)}`);
  if (c.method === 'ModelInfer') {
    if (c.expectOk && code !== Status.OK)
      broken.push(`${tag}: a valid request got ${Status[code]}: ${result.details.slice(0, 200)}`);
    return broken;
  }
  // ModelStreamInfer: one answer per message, then OK; bad messages answer with error_message.
  if (code !== Status.OK)
    broken.push(`${tag}: the stream ended with ${Status[code]}: ${result.details.slice(0, 200)}`);
  if (result.messages.length !== c.messages)
    broken.push(`${tag}: ${result.messages.length} answers to ${c.messages} messages`);
  const answers = result.messages.map((m) =>
    decoder<StreamAnswer>('ModelStreamInferResponse').deserialize(m),
  );
  for (const answer of answers) {
    const status = /^([A-Z_]+):/.exec(answer.error_message)?.[1];
    const id = answer.infer_response?.id ?? '';
    if (status && LOAD.has(Status[status as keyof typeof Status]) && c.validIds.includes(id)) {
      load.push(`${tag}: ${answer.error_message.slice(0, 200)}`);
      continue;
    }
    if (Buffer.byteLength(answer.error_message) > MAX_STATUS_DETAILS_BYTES + 32)
      broken.push(`${tag}: a ${Buffer.byteLength(answer.error_message)}-byte error_message`);
    if (/^(INTERNAL|UNKNOWN|UNAVAILABLE):/.test(answer.error_message))
      broken.push(`${tag}: a stream answer blames the server: ${answer.error_message.slice(0, 200)}`);
    if (c.expectOk && answer.error_message !== '')
      broken.push(`${tag}: a valid request in a stream got ${answer.error_message.slice(0, 200)}`);
  }
  return broken;
}

/**
 * Runs cases `0 .. cases-1` of `seed` (or `only` those) against the router behind `session`, `concurrency` at a
 * time, and counts outcomes. Violations are collected, not thrown, so one run reports them all.
 */
export async function runFuzz(
  session: RawGrpcSession,
  models: readonly FuzzModel[],
  options: FuzzOptions,
): Promise<FuzzReport> {
  const deadlineMs = options.deadlineMs ?? 30_000;
  const counts: Record<string, Record<string, number>> = {};
  const violations: string[] = [];
  const load: string[] = [];
  let hangs = 0;
  let maxDetailsWireBytes = 0;
  let maxDetailsBytes = 0;
  const indices = options.only ?? Array.from({ length: options.cases }, (_, i) => i);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < indices.length) {
      const c = fuzzCase(options.seed, indices[next++]!, models, options.limits);
      const result = await session.call(`/inference.GRPCInferenceService/${c.method}`, c.chunks, deadlineMs);
      const family: Family = c.family;
      const byOutcome = (counts[family] ??= {});
      const name = outcome(result);
      byOutcome[name] = (byOutcome[name] ?? 0) + 1;
      if (result.ended === 'hang') hangs++;
      maxDetailsWireBytes = Math.max(maxDetailsWireBytes, result.detailsWireBytes);
      maxDetailsBytes = Math.max(maxDetailsBytes, Buffer.byteLength(result.details));
      violations.push(...judge(c, result, load));
      done++;
      if (options.progress && done % options.progress.every === 0) options.progress.report(done);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 8 }, worker));
  return { counts, violations, load, hangs, maxDetailsWireBytes, maxDetailsBytes };
}

/** The counts as a table: a row per family, a column per outcome. */
export function formatCounts(counts: FuzzReport['counts']): string {
  const outcomes = [...new Set(Object.values(counts).flatMap((c) => Object.keys(c)))].sort();
  const rows = Object.entries(counts).sort(([a], [b]) => a.localeCompare(b));
  const header = ['family', ...outcomes, 'total'];
  const lines = rows.map(([family, c]) => [
    family,
    ...outcomes.map((o) => String(c[o] ?? 0)),
    String(Object.values(c).reduce((n, x) => n + x, 0)),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const format = (cells: string[]): string => cells.map((cell, i) => cell.padStart(widths[i]!)).join('  ');
  return [format(header), ...lines.map(format)].join('\n');
}
