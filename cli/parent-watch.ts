/**
 * How a `shardmesh router` or `shardmesh shard` started by another process (`shardmesh up`, tests,
 * benchmarks: cli/child-service.ts) notices that its parent is gone, whatever killed it, SIGKILL
 * included. The parent gives the child a stdin pipe and never writes to it; the kernel closes the
 * parent's end when the parent exits, however it exits, so the child reads end-of-file at once.
 * This beats polling `process.ppid` (a delay per poll, and a reaper that adopts orphans may be any
 * process) and Node's IPC channel (the same pipe, plus a message protocol nobody needs). Linux's
 * prctl(PR_SET_PDEATHSIG) would need native code. A process run by hand has no such pipe, so the
 * watch is on only where the parent asks for it in the environment.
 */

/** The one place the child reads whether to watch its stdin; set by cli/child-service.ts. */
export const PARENT_WATCH_ENV = 'SHARDMESH_PARENT_WATCH';

/**
 * Calls `onGone` once when the parent's end of stdin closes, if PARENT_WATCH_ENV is `stdin`.
 * stdin is unref'd: the watch never keeps the process alive by itself.
 */
export function watchParent(onGone: () => void): void {
  if (process.env[PARENT_WATCH_ENV] !== 'stdin') return;
  let gone = false;
  const once = (): void => {
    if (gone) return;
    gone = true;
    onGone();
  };
  const stdin = process.stdin;
  stdin.on('end', once).on('close', once).on('error', once);
  stdin.resume();
  // A pipe or terminal can be unref'd; a file given as stdin by hand cannot, and ends at once anyway.
  if ('unref' in stdin && typeof stdin.unref === 'function') stdin.unref();
}
