import { pino } from 'pino';
import type { Logger } from '../../../lib/log.js';

/** For tests: a logger that keeps its JSON lines, and resolves waiters as a line with `msg` arrives. */
export interface MemoryLog {
  readonly log: Logger;
  readonly lines: Record<string, unknown>[];
  next(msg: string): Promise<Record<string, unknown>>;
}

export function memoryLog(): MemoryLog {
  const lines: Record<string, unknown>[] = [];
  const waiters: { msg: string; resolve: (line: Record<string, unknown>) => void }[] = [];
  const log = pino(
    { level: 'debug' },
    {
      write(text: string) {
        const line = JSON.parse(text) as Record<string, unknown>;
        lines.push(line);
        for (const w of waiters.filter((w) => w.msg === line['msg'])) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      },
    },
  );
  return { log, lines, next: (msg) => new Promise((resolve) => waiters.push({ msg, resolve })) };
}
