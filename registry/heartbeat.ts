import { asError } from './errors.js';

/**
 * Runs `beat` every `intervalMs` and serializes it with other updates of the same registration
 * (`exclusive`), so a heartbeat computed before `setStatus('critical')` can never land after it
 * and undo it. The timer is unref'd: a heartbeat alone must not keep a process alive, since the
 * process that owns the registration has a server doing that.
 */
export class Heartbeat {
  #tail: Promise<void> = Promise.resolve();
  #beatQueued = false;
  #stopped = false;
  readonly #timer: NodeJS.Timeout;

  constructor(beat: () => Promise<void>, intervalMs: number, onError: (error: Error) => void) {
    this.#timer = setInterval(() => {
      // A slow registry must not pile up beats; one waiting beat is enough.
      if (this.#beatQueued || this.#stopped) return;
      this.#beatQueued = true;
      this.exclusive(async () => {
        this.#beatQueued = false;
        if (!this.#stopped) await beat();
      }).catch((error: unknown) => onError(asError(error)));
    }, intervalMs);
    this.#timer.unref();
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /** Runs `fn` after every update queued before it, and before any queued after it. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(fn);
    this.#tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /** Stops the timer; resolves once any update already queued has finished. */
  stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    return this.#tail;
  }
}
