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

  // The assumption the module rests on: a flag set while the process runs governs the next full
  // collection's limit. V8 prints the factor it used with --trace-gc-verbose.
  test('in a real node process, the next full collection grows the limit by the factor set', async () => {
    const factorAfter = async (percent: number | undefined): Promise<string> => {
      const script = `
        const { setServingHeapGrowth } = await import(${JSON.stringify(new URL('./heap-growth.js', import.meta.url).href)});
        ${percent === undefined ? '' : `setServingHeapGrowth({ percent: ${percent} });`}
        globalThis.kept = Array.from({ length: 200_000 }, (_, i) => ({ i }));
        gc();`;
      const { stdout } = await run(process.execPath, [
        '--expose-gc',
        '--trace-gc-verbose',
        '--input-type=module',
        '-e',
        script,
      ]);
      const factor = /\[HeapController\] Limit: old size: \d+ KB, new limit: \d+ KB \(([\d.]+)\)/.exec(
        stdout,
      );
      assert.ok(factor, `no limit line in V8's trace:\n${stdout.slice(0, 2000)}`);
      return factor[1]!;
    };
    assert.equal(await factorAfter(50), '1.5');
    assert.equal(await factorAfter(300), '4.0');
  });
});
