import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

export type LogLine = Record<string, unknown> & { msg?: string };

/**
 * The JSON log lines a child process writes (one object a line, as `lib/log` writes them), kept
 * for a test to assert on and waited for by event, never by sleeping. SHARDMESH_TEST_LOGS=1 echoes
 * them to this process's stderr too.
 */
export class LogLines {
  readonly #lines: LogLine[] = [];
  readonly #waiters = new Set<{ match: (line: LogLine) => boolean; resolve: (line: LogLine) => void }>();

  constructor(stream: Readable, echo = Boolean(process.env['SHARDMESH_TEST_LOGS'])) {
    createInterface({ input: stream }).on('line', (text) => {
      if (echo) process.stderr.write(`${text}\n`);
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        return;
      }
      this.#lines.push(line);
      for (const waiter of this.#waiters) {
        if (waiter.match(line)) {
          this.#waiters.delete(waiter);
          waiter.resolve(line);
        }
      }
    });
  }

  /** Lines so far that match. */
  where(match: (line: LogLine) => boolean): LogLine[] {
    return this.#lines.filter(match);
  }

  /** The first line, already written or still to come, that matches; rejects after `timeoutMs`. */
  waitFor(match: (line: LogLine) => boolean, timeoutMs = 20_000): Promise<LogLine> {
    const seen = this.#lines.find(match);
    return seen ? Promise.resolve(seen) : this.next(match, timeoutMs);
  }

  /** The first matching line among those still to come; rejects after `timeoutMs`. */
  next(match: (line: LogLine) => boolean, timeoutMs = 20_000): Promise<LogLine> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error(`no matching log line within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = {
        match,
        resolve: (line: LogLine) => {
          clearTimeout(timer);
          resolve(line);
        },
      };
      this.#waiters.add(waiter);
    });
  }
}
