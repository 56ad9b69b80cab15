/**
 * Time as the router's retry loop sees it: the seam that lets tests run backoffs without
 * sleeping. `sleep` resolves after `ms`, or at once when `signal` aborts (the caller checks the
 * signal afterwards), so a cancelled request never waits out a backoff.
 */
export interface Clock {
  now(): number;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
    }),
};
