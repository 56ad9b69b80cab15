import { setFlagsFromString } from 'node:v8';

/**
 * V8's tier-up budget for a serving process (router, shard), smaller than its default so a
 * function that runs once per call reaches optimised code after fewer calls.
 *
 * V8 counts the bytecode a function runs against `--interrupt-budget` (66 KiB in Node 20's V8
 * 11.3) and considers it for TurboFan only after three such budgets (more for a large function).
 * It counts afresh after every deoptimisation. Under steady load a shard's per-call code was
 * still found in the interpreter and baseline tiers (inline-cache stubs, `Builtins_LoadIC` and
 * friends, at the top of its `perf` profile): per-call code runs a few hundred bytes of bytecode
 * a call, so at a few hundred calls a second each trip back through the slower tiers is long.
 * The bench floors run on the same budget (`bench/floors/floor-server.ts`), so they stay bounds.
 *
 * 8 KiB, with feedback vectors allocated after 128 bytes instead of 940: a small function reaches
 * TurboFan after ~200 calls instead of ~3000 (`serving-tier-up.test.ts`), and so does a function
 * again after a deoptimisation. `node dist/bench/probes/paired-builds.js --model mlp --partitions 8
 * --rounds 16` (the demo MLP cut 8 ways, router + 8 shards; B with these flags, A without):
 * CPU per request 0.84× and p50 0.84× at c=1, CPU 0.94× at c=16; `--model cls`: CPU 0.95× at c=1.
 * Set at start, before the process serves: V8 reads the budget when it next resets a function's
 * counter.
 */
export const SERVING_V8_FLAGS = ['--interrupt-budget=8192', '--interrupt-budget-for-feedback-allocation=128'];

export function tierUpForServing(): void {
  for (const flag of SERVING_V8_FLAGS) setFlagsFromString(flag);
}
