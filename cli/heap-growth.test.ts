import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { SERVING_HEAP_GROWING_PERCENT, setServingHeapGrowth } from './heap-growth.js';

const run = promisify(execFile);

describe('setServingHeapGrowth', () => {
  test('sets V8 --heap-growing-percent when node was started without one', () => {
    const set: string[] = [];
    const growth = setServingHeapGrowth({ execArgv: ['--enable-source-maps'], setFlags: (f) => set.push(f) });
    assert.deepEqual(set, [`--heap-growing-percent=${SERVING_HEAP_GROWING_PERCENT}`]);
    assert.deepEqual(growth, { percent: SERVING_HEAP_GROWING_PERCENT, source: 'shardmesh' });
    assert.equal(SERVING_HEAP_GROWING_PERCENT, 300, "V8's largest growing factor, 4");
  });

  test('keeps a value node was started with, in either spelling V8 accepts (0: V8 chooses)', () => {
    for (const [execArgv, percent] of [
      [['--heap-growing-percent=150'], 150],
      [['--heap_growing_percent', '150'], 150],
      [['--heap-growing-percent=0'], 0],
    ] as const) {
      const set: string[] = [];
      assert.deepEqual(setServingHeapGrowth({ execArgv, setFlags: (f) => set.push(f) }), {
        percent,
        source: 'node',
      });
      assert.deepEqual(set, [], `nothing set over ${execArgv.join(' ')}`);
    }
  });

  /**
   * The growing factor V8 printed for a full collection (--trace-gc-verbose) in a node process
   * started with `nodeArgs` that ran `call` (a call of setServingHeapGrowth) before it.
   */
  const factorAfter = async (nodeArgs: readonly string[], call: string): Promise<string> => {
    const script = `
      const { setServingHeapGrowth } = await import(${JSON.stringify(new URL('./heap-growth.js', import.meta.url).href)});
      ${call};
      globalThis.kept = Array.from({ length: 200_000 }, (_, i) => ({ i }));
      gc();`;
    const { stdout } = await run(process.execPath, [
      ...nodeArgs,
      '--expose-gc',
      '--trace-gc-verbose',
      '--input-type=module',
      '-e',
      script,
    ]);
    const factor = /\[HeapController\] Limit: old size: \d+ KB, new limit: \d+ KB \(([\d.]+)\)/.exec(stdout);
    assert.ok(factor, `no limit line in V8's trace:\n${stdout.slice(0, 2000)}`);
    return factor[1]!;
  };

  // The assumption the module rests on: a flag set while the process runs governs the next full
  // collection's limit.
  test('in a real node process, the next full collection grows the limit by the factor set', async () => {
    assert.equal(await factorAfter([], 'setServingHeapGrowth({ percent: 50 })'), '1.5');
    assert.equal(await factorAfter([], 'setServingHeapGrowth({ percent: 300 })'), '4.0');
  });

  // What the README promises an operator: a value given to node is left as it is.
  test('in a real node process started with --heap-growing-percent, that value governs', async () => {
    assert.equal(await factorAfter(['--heap-growing-percent=50'], 'setServingHeapGrowth()'), '1.5');
  });
});
