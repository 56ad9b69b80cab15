import type { LoadPoint } from './perf-analyzer.js';

/**
 * shardmesh and a peer measured in turns at one load point: on a shared 2-core machine whose speed
 * drifts by 2× over an hour, a ratio of two runs minutes apart says more about the drift than about
 * either server (the in-process session.run floor alone moved 0.59 → 1.82 ms between runs). Two
 * windows side by side see the same machine, so each round's ratio is fair and the median of
 * several rounds is the figure; the spread says how far to trust it.
 */
export interface InterleavedRound<P = LoadPoint> {
  /** Who ran first: rounds alternate (ABBA), so a machine speeding up or slowing down favours neither. */
  readonly first: 'mesh' | 'peer';
  readonly mesh: P;
  readonly peer: P;
  /**
   * The two-hop floor's window, in rounds run with one: the bound on the mesh's figure measured on
   * the same machine as the peer's, next to it (after the pair when shardmesh goes first, before it
   * otherwise), not in a pass minutes apart.
   */
  readonly floor?: P;
}

/** Who takes a turn in a round. */
export type Turn = 'mesh' | 'peer' | 'floor';

/**
 * Runs `rounds` rounds of one measurement each for mesh and peer (and the floor, with `floor`),
 * alternating who goes first: mesh, peer[, floor] in even rounds, the reverse in odd ones, so
 * each pair that is compared (mesh with peer, floor with peer) sits side by side in ABBA order.
 */
export async function interleave<P = LoadPoint>(
  rounds: number,
  measure: (who: Turn, round: number) => Promise<P>,
  { floor = false }: { readonly floor?: boolean } = {},
): Promise<InterleavedRound<P>[]> {
  const done: InterleavedRound<P>[] = [];
  const order: Turn[] = floor ? ['mesh', 'peer', 'floor'] : ['mesh', 'peer'];
  for (let round = 0; round < rounds; round++) {
    const first = round % 2 === 0 ? 'mesh' : 'peer';
    const points: Partial<Record<Turn, P>> = {};
    for (const who of first === 'mesh' ? order : [...order].reverse())
      points[who] = await measure(who, round);
    done.push({ first, mesh: points.mesh!, peer: points.peer!, ...(floor ? { floor: points.floor! } : {}) });
  }
  return done;
}

/** The median of a figure over rounds, with its range. */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** Rounds the figure could be computed for. */
  readonly rounds: number;
}

/**
 * The item whose `key` is the median (the lower of the middle two), passing over items without a
 * finite key; undefined when none has one.
 */
export function medianBy<T>(items: readonly T[], key: (item: T) => number | undefined): T | undefined {
  const keyed = items.flatMap((item) => {
    const k = key(item);
    return k !== undefined && Number.isFinite(k) ? [{ item, k }] : [];
  });
  keyed.sort((a, b) => a.k - b.k);
  return keyed[(keyed.length - 1) >> 1]?.item;
}

/** Median, min and max of the finite values; undefined when there are none. */
export function spreadOf(values: readonly (number | undefined)[]): Spread | undefined {
  const xs = values.filter((x): x is number => x !== undefined && Number.isFinite(x)).sort((a, b) => a - b);
  if (xs.length === 0) return undefined;
  const mid = xs.length >> 1;
  const median = xs.length % 2 === 1 ? xs[mid]! : (xs[mid - 1]! + xs[mid]!) / 2;
  return { median, min: xs[0]!, max: xs[xs.length - 1]!, rounds: xs.length };
}

/**
 * Each round's mesh ÷ peer of `figure` (or floor ÷ peer, with `of: 'floor'`; rounds without a
 * floor are passed over), summarised: the ratio of two windows side by side.
 */
export function roundRatios<P = LoadPoint>(
  rounds: readonly InterleavedRound<P>[],
  figure: (p: P) => number | undefined,
  of: 'mesh' | 'floor' = 'mesh',
): Spread | undefined {
  return spreadOf(
    rounds.map((r) => {
      const mine = r[of];
      const a = mine === undefined ? undefined : figure(mine);
      const b = figure(r.peer);
      return a === undefined || b === undefined || b === 0 ? undefined : a / b;
    }),
  );
}
