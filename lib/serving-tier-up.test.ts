import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';

/** V8's `%GetOptimizationStatus` bit for a function running TurboFan code. */
const TURBOFANNED = 1 << 6;

/**
 * Calls a small function `calls` times in a fresh Node, tuned by `tierUpForServing` or not, and
 * answers V8's optimisation status of it. Compiles on the main thread, so the answer does not
 * depend on when a background compile finishes.
 */
function statusAfter(calls: number, tuned: boolean): number {
  const module = pathToFileURL(new URL('./serving-tier-up.js', import.meta.url).pathname).href;
  const script = `
    const { tierUpForServing } = await import(${JSON.stringify(module)});
    if (${tuned}) tierUpForServing();
    function perCall(o) { let s = 0; for (const k of ['a', 'b', 'c']) s += o[k] ?? 0; return s + o.a * 2 - o.b; }
    for (let i = 0; i < ${calls}; i++) perCall({ a: i, b: 1, c: 2 });
    process.stdout.write(String(%GetOptimizationStatus(perCall)));`;
  return Number(
    execFileSync(
      process.execPath,
      ['--allow-natives-syntax', '--no-concurrent-recompilation', '--input-type=module', '-e', script],
      { encoding: 'utf8' },
    ),
  );
}

void test('tierUpForServing: per-call code reaches TurboFan after a few hundred calls, not thousands', () => {
  assert.ok(statusAfter(400, true) & TURBOFANNED, 'tuned: optimised after 400 calls');
  // The default budget, for contrast: the same 400 calls leave it in the interpreter or baseline code.
  assert.equal(statusAfter(400, false) & TURBOFANNED, 0, 'default: not yet optimised after 400 calls');
});
