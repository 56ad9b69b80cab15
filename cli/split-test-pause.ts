import type { SwapStep } from '../lib/plan/version-swap.js';

/** The one place `split` reads its test seam from the environment. */
const PAUSE_ENV = 'SHARDMESH_TEST_SPLIT_PAUSE_AT';
const STEPS: readonly SwapStep[] = ['writing', 'written', 'linked', 'swapped'];

/**
 * TEST ONLY. With SHARDMESH_TEST_SPLIT_PAUSE_AT=STEP (writing | written | linked | swapped),
 * `shardmesh split` (and `shardmesh seal`) stops at that step of replacing the version folder, says so on stderr and waits
 * to be killed, so integration tests can SIGKILL it at an exact point of the swap
 * (lib/plan/version-swap.ts). Unset, as in production, it does nothing.
 */
export function splitTestPause(): ((step: SwapStep) => Promise<void>) | undefined {
  const at = process.env[PAUSE_ENV];
  if (at === undefined || at === '') return undefined;
  if (!(STEPS as readonly string[]).includes(at))
    throw new TypeError(`${PAUSE_ENV}=${at}: must be one of ${STEPS.join(', ')}`);
  return (step) => {
    if (step !== at) return Promise.resolve();
    process.stderr.write(`split paused at ${step} (${PAUSE_ENV})\n`);
    // Waits for the kill; the interval keeps the event loop from emptying and the process exiting.
    return new Promise(() => setInterval(() => undefined, 60_000));
  };
}
