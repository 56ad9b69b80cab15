import type { Logger } from '../lib/log.js';
import { watchParent } from './parent-watch.js';

/**
 * After the parent is gone, how long `stop` may take before the process exits anyway: nobody is
 * left to SIGKILL it. Longer than the shard's default drain (30 s), so a drain can finish.
 */
const ORPHAN_STOP_LIMIT_MS = 40_000;

/**
 * SIGTERM and SIGINT run `stop` once (drain, deregister, close), then the process exits; a second
 * signal exits at once, for an operator who does not want to wait. A parent that started this
 * process with a watch (cli/parent-watch.ts) and dies counts as a SIGTERM, with a time limit.
 */
export function stopOnSignals(stop: () => Promise<void>, log: Logger): void {
  let stopping = false;
  const onStop = (reason: Record<string, unknown>): void => {
    if (stopping) process.exit(1);
    stopping = true;
    log.info(reason, 'stopping');
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', (signal) => onStop({ signal }));
  process.on('SIGINT', (signal) => onStop({ signal }));
  watchParent(() => {
    if (stopping) return;
    setTimeout(() => {
      log.error({ limitMs: ORPHAN_STOP_LIMIT_MS }, 'stop took too long after the parent exited');
      process.exit(1);
    }, ORPHAN_STOP_LIMIT_MS).unref();
    onStop({ reason: 'the parent process exited' });
  });
}
