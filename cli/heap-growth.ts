import v8 from 'node:v8';

// Why the router and shards set V8's heap growing factor themselves.
//
// After each full collection V8 sets the old generation's limit to the live size times a factor
// it picks from how fast the last collections ran against how fast the program allocated (1.1 to
// 4), and it starts the next full collection as soon as the room left under that limit is
// smaller than the young generation's capacity. A router moving a 64 MiB answer allocates fast
// enough to grow the young generation to 32 MiB, over a live heap of ~22 MiB. In some runs V8
// kept the factor at 4 (limit ~100 MiB) and ran no full collection while serving; in others it
// lowered it collection by collection (2.6, 1.7, 2.1, 2.0, 1.7, 1.2: `--trace-gc-verbose`), the
// room fell to about the young generation's size, and every full collection started the next.
// Which one a run got was chance: 22 of 49 runs of `bench/probes/router-hop.ts --model
// outer-64m` ran ~2.5 mark-compacts per request and ~400 ms of router CPU per request, the others
// none and ~250 ms. With the factor fixed at V8's own upper end none of 13 runs fell into the loop
// (at 256 MiB router CPU per request went from 1.7-1.8 s to 1.0 s), and small requests did not
// change. The cost is memory: up to 4x the live JavaScript heap, tens of MiB
// here; tensors live outside it.

/** The growing factor, as V8's `--heap-growing-percent` (factor = 1 + percent / 100). */
export const SERVING_HEAP_GROWING_PERCENT = 300;

const FLAG = /^--heap[-_]growing[-_]percent(?:=(.*))?$/;

export interface HeapGrowth {
  /** The percent in effect: shardmesh's, or the one node was started with. */
  readonly percent: number;
  /** Who chose it: `shardmesh`, or `node` when the operator passed the flag to node. */
  readonly source: 'shardmesh' | 'node';
}

/** The value of `--heap-growing-percent` among node's own arguments, if given. */
function givenPercent(execArgv: readonly string[]): number | undefined {
  for (let i = 0; i < execArgv.length; i++) {
    const match = FLAG.exec(execArgv[i]!);
    if (!match) continue;
    const value = match[1] ?? execArgv[i + 1];
    return Number(value);
  }
  return undefined;
}

export interface HeapGrowthOptions {
  /** Node's own arguments, where an operator's `--heap-growing-percent` would be. */
  readonly execArgv?: readonly string[];
  /** Sets V8 flags; `v8.setFlagsFromString` unless a test watches the call. */
  readonly setFlags?: (flags: string) => void;
  /** The percent to set. @default SERVING_HEAP_GROWING_PERCENT */
  readonly percent?: number;
}

/**
 * Sets V8's heap growing factor for a serving process, unless node was started with its own
 * `--heap-growing-percent` (that one is kept; 0 leaves the choice to V8). V8 reads the flag at
 * each full collection, so setting it while the process starts takes effect from the next one.
 */
export function setServingHeapGrowth(options: HeapGrowthOptions = {}): HeapGrowth {
  const given = givenPercent(options.execArgv ?? process.execArgv);
  if (given !== undefined) return { percent: given, source: 'node' };
  const percent = options.percent ?? SERVING_HEAP_GROWING_PERCENT;
  (options.setFlags ?? ((flags) => v8.setFlagsFromString(flags)))(`--heap-growing-percent=${percent}`);
  return { percent, source: 'shardmesh' };
}
