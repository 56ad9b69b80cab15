import type { Tensor } from './tensor.js';
import { bytesOf, typedView } from './typed-view.js';

/** How partitions' local top-k lists combine (a plan's `topk` gather carries both fields). */
export interface TopkMerge {
  /** How many to keep along the last axis. */
  readonly k: number;
  /** Partition p's first column in the unsplit last axis, added to its local indices. */
  readonly columnOffsets: readonly number[];
}

function floats(t: Tensor): Float32Array | Float64Array {
  if (t.datatype === 'FP32' || t.datatype === 'FP64') return typedView(t.datatype, t.data);
  throw new TypeError(`${t.name}: top-k values must be FP32 or FP64, not ${t.datatype}`);
}

function int64s(t: Tensor): BigInt64Array {
  if (t.datatype !== 'INT64')
    throw new TypeError(`${t.name}: top-k indices must be INT64, not ${t.datatype}`);
  return typedView('INT64', t.data);
}

/**
 * The global top-k along the last axis from each partition's local top-k: every partition's
 * indices are local column numbers, offset here by the partition's first column. Order: larger
 * value first, then the lower global index, so ties resolve as they would in the unsplit model.
 * The results keep the names of the partitions' values and indices tensors.
 */
export function mergeTopk(
  merge: TopkMerge,
  values: readonly Tensor[],
  indices: readonly Tensor[],
): [Tensor, Tensor] {
  const first = values[0]!;
  const outer = first.shape.slice(0, -1).reduce((n, d) => n * d, 1);
  const vals = values.map(floats);
  const idxs = indices.map(int64s);
  const widths = values.map((v) => v.shape.at(-1) ?? 1);
  const k = Math.min(
    merge.k,
    widths.reduce((n, w) => n + w, 0),
  );
  const outValues = first.datatype === 'FP32' ? new Float32Array(outer * k) : new Float64Array(outer * k);
  const outIndices = new BigInt64Array(outer * k);
  const candidates: { value: number; index: bigint }[] = [];
  for (let row = 0; row < outer; row++) {
    candidates.length = 0;
    widths.forEach((w, p) => {
      for (let j = 0; j < w; j++) {
        candidates.push({
          value: vals[p]![row * w + j]!,
          index: idxs[p]![row * w + j]! + BigInt(merge.columnOffsets[p]!),
        });
      }
    });
    candidates.sort((a, b) =>
      b.value !== a.value ? b.value - a.value : a.index < b.index ? -1 : a.index > b.index ? 1 : 0,
    );
    for (let j = 0; j < k; j++) {
      outValues[row * k + j] = candidates[j]!.value;
      outIndices[row * k + j] = candidates[j]!.index;
    }
  }
  const shape = [...first.shape.slice(0, -1), k];
  return [
    { name: first.name, datatype: first.datatype, shape, data: bytesOf(outValues) },
    { name: indices[0]!.name, datatype: 'INT64', shape, data: bytesOf(outIndices) },
  ];
}
