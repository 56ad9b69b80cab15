/**
 * How a value inside a tensor-parallel block is cut across partitions: each partition holds a
 * slice of `axis` and the whole of every other axis. Columns of a column-split linear layer are cut
 * along the last axis; after a Reshape to [.., heads, headDim] the cut runs along the heads axis,
 * and `inner` follows the axis of each head's headDim elements, so the Reshape back can check the
 * heads are still laid out head-major.
 */
export interface SplitAxis {
  /** The cut axis; negative counts from the end when the rank is unknown. */
  readonly axis: number;
  readonly rank?: number;
  /** Length of the cut axis in the unsplit model. */
  readonly width: number;
  /** Set while the cut axis holds attention heads. */
  readonly headDim?: number;
  /** The axis holding headDim, while a head's elements are still an axis of their own. */
  readonly inner?: number;
}

/** The split of a column-split layer's output: its last axis, `width` columns. */
export function columnAxis(width: number): SplitAxis {
  return { axis: -1, width };
}

/** Whether the cut runs along the last axis as plain columns (not heads). */
export function isColumns(split: SplitAxis): boolean {
  return split.headDim === undefined && (split.axis === -1 || split.axis === (split.rank ?? 0) - 1);
}

/** `axis` made non-negative when the rank is known; undefined when it cannot be. */
export function normalized(axis: number, rank: number | undefined): number | undefined {
  if (axis >= 0) return axis;
  return rank === undefined ? undefined : axis + rank;
}

export function sameSplit(a: SplitAxis, b: SplitAxis): boolean {
  const rank = a.rank ?? b.rank;
  return (
    normalized(a.axis, rank) === normalized(b.axis, rank) &&
    (a.rank === undefined || b.rank === undefined || a.rank === b.rank) &&
    a.width === b.width &&
    a.headDim === b.headDim &&
    a.inner === b.inner
  );
}

/** The split after Transpose(perm): the cut axis moves to where perm puts it. */
export function transposed(split: SplitAxis, perm: readonly number[]): SplitAxis | undefined {
  const rank = perm.length;
  if (split.rank !== undefined && split.rank !== rank) return undefined;
  const axis = normalized(split.axis, rank)!;
  const inner = split.inner === undefined ? undefined : perm.indexOf(split.inner);
  return { ...split, rank, axis: perm.indexOf(axis), inner };
}

/**
 * The split of MatMul(a, b) when both operands are cut along the same batch axis (attention: the
 * heads of Q·Kᵀ and of P·V); undefined when the cut would fall on a multiplied axis. headDim
 * survives as the output's rows (from a) or columns (from b), or is contracted away.
 */
export function batchMatMul(a: SplitAxis, b: SplitAxis): SplitAxis | undefined {
  if (a.rank === undefined || a.rank !== b.rank) return undefined;
  if (a.headDim === undefined || b.headDim === undefined) return undefined;
  const rank = a.rank;
  if (a.axis !== b.axis || a.axis >= rank - 2 || a.width !== b.width) return undefined;
  const fromA = a.inner === rank - 2 ? rank - 2 : undefined;
  const fromB = b.inner === rank - 1 ? rank - 1 : undefined;
  if (fromA !== undefined && fromB !== undefined) return undefined;
  const headDim = fromA !== undefined ? a.headDim : fromB !== undefined ? b.headDim : a.headDim;
  return { axis: a.axis, rank, width: a.width, headDim, inner: fromA ?? fromB };
}
