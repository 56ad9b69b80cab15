import type { Clock } from './clock.js';

/**
 * A `Clock` for tests whose time moves only when `advance` says: sleeps resolve once the clock
 * reaches their end (in order), or at once when their signal aborts, as `systemClock`'s do.
 */
export class ManualClock implements Clock {
  #now: number;
  readonly #sleepers = new Set<{ until: number; wake: () => void }>();

  constructor(startMs = 1_000_000) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const sleeper = {
        until: this.#now + ms,
        wake: () => {
          this.#sleepers.delete(sleeper);
          signal.removeEventListener('abort', sleeper.wake);
          resolve();
        },
      };
      this.#sleepers.add(sleeper);
      signal.addEventListener('abort', sleeper.wake, { once: true });
    });
  }

  /** Sleeps pending now. */
  get sleeping(): number {
    return this.#sleepers.size;
  }

  /** Moves time on by `ms`, waking every sleep that ends by then, then lets their callers run. */
  async advance(ms: number): Promise<void> {
    this.#now += ms;
    const due = [...this.#sleepers].filter((s) => s.until <= this.#now).sort((a, b) => a.until - b.until);
    for (const s of due) s.wake();
    await new Promise((resolve) => setImmediate(resolve));
  }
}
