import { createInterface } from 'node:readline';
import type { ChildService } from '../../cli/child-service.js';

/** One JSON log line of a child (pino's fields plus whatever the line carries). */
export interface LogLine {
  readonly msg: string;
  readonly level: number;
  readonly [field: string]: unknown;
}

type Match = (line: LogLine) => boolean;

const taps = new WeakMap<ChildService, ChildLogs>();

/**
 * The log lines of a child started with `logs: 'pipe'`, kept in order, so a test can wait for what
 * a process says it did instead of sleeping. Reading is what keeps the child's stderr pipe from
 * filling, so tap every piped child. Lines are echoed to this process's stderr when
 * SHARDMESH_TEST_LOGS is set.
 */
export class ChildLogs {
  readonly lines: LogLine[] = [];
  readonly #waiters = new Set<{ match: Match; resolve: (line: LogLine) => void }>();
  #closed = false;
  readonly #onClose = new Set<() => void>();
  readonly #onLine = new Set<() => void>();

  private constructor(readonly name: string) {}

  /** Starts (or returns the one) reading `child`'s stderr. */
  static tap(child: ChildService): ChildLogs {
    const known = taps.get(child);
    if (known) return known;
    const stderr = child.process.stderr;
    if (!stderr) throw new Error(`${child.name}: start the mesh with logs: 'pipe' to read its logs`);
    const logs = new ChildLogs(child.name);
    taps.set(child, logs);
    const echo = Boolean(process.env['SHARDMESH_TEST_LOGS']);
    createInterface({ input: stderr })
      .on('line', (text) => {
        if (echo) process.stderr.write(`[${child.name}] ${text}\n`);
        try {
          logs.#add(JSON.parse(text) as LogLine);
        } catch {
          // Not a log line (a Node warning, say): nothing to match.
        }
      })
      .on('close', () => {
        logs.#closed = true;
        for (const f of logs.#onClose) f();
      });
    return logs;
  }

  #add(line: LogLine): void {
    this.lines.push(line);
    for (const w of this.#waiters) {
      if (w.match(line)) {
        this.#waiters.delete(w);
        w.resolve(line);
      }
    }
    for (const f of this.#onLine) f();
  }

  /**
   * Resolves once `condition` holds, checking it now and after every line any of `logs` gets: for
   * conditions over several processes' lines. Rejects, naming `what`, after `timeoutMs`.
   */
  static until(
    what: string,
    logs: readonly ChildLogs[],
    condition: () => boolean,
    timeoutMs = 30_000,
  ): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (error?: Error): void => {
        clearTimeout(timer);
        for (const l of logs) l.#onLine.delete(check);
        if (error) reject(error);
        else resolve();
      };
      const check = (): void => {
        if (condition()) done();
      };
      const timer = setTimeout(() => done(new Error(`${what}: not within ${timeoutMs} ms`)), timeoutMs);
      for (const l of logs) l.#onLine.add(check);
    });
  }

  filter(match: Match): LogLine[] {
    return this.lines.filter(match);
  }

  /**
   * The first line from index `since` on (`lines.length` taken earlier: only lines logged after
   * that), already logged or still to come, that `match`es. Rejects, naming `what`, after
   * `timeoutMs` or when the child's stderr closes first.
   */
  waitFor(what: string, match: Match, timeoutMs = 30_000, since = 0): Promise<LogLine> {
    const seen = this.lines.slice(since).find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const fail = (why: string): void => {
        this.#waiters.delete(waiter);
        this.#onClose.delete(onClose);
        clearTimeout(timer);
        reject(new Error(`${this.name} did not log ${what} ${why}`));
      };
      const onClose = (): void => fail('before its log closed');
      const waiter = {
        match,
        resolve: (line: LogLine) => {
          this.#onClose.delete(onClose);
          clearTimeout(timer);
          resolve(line);
        },
      };
      const timer = setTimeout(() => fail(`within ${timeoutMs} ms`), timeoutMs);
      this.#waiters.add(waiter);
      if (this.#closed) onClose();
      else this.#onClose.add(onClose);
    });
  }
}

/** Matches a line by its message and, optionally, its request id. */
export const message =
  (msg: string, requestId?: string): Match =>
  (line) =>
    line.msg === msg && (requestId === undefined || line['requestId'] === requestId);
