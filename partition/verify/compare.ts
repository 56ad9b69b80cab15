import type { Tensor } from '../../lib/tensor/tensor.js';
import { typedView, type TypedArray } from '../../lib/tensor/typed-view.js';

/** How far an output is from its reference, as `shardmesh split --verify` reports it. */
export interface TensorDifference {
  readonly name: string;
  readonly shape: readonly number[];
  /** max |actual - reference| over all elements; Infinity when shapes, types or NaNs disagree. */
  readonly maxAbs: number;
  /**
   * maxAbs / max |reference|: the error relative to the tensor's scale (as `relativeMaxError`),
   * not per element, which is unbounded for outputs that cancel to near zero.
   */
  readonly maxRel: number;
  /** Same datatype, shape and bytes. */
  readonly bitwise: boolean;
}

/** FP16 has no typed array in Node 20 (typedView gives its raw bits), BYTES are strings: compared bitwise only. */
function view(t: Tensor): TypedArray | undefined {
  return t.datatype === 'FP16' || t.datatype === 'BYTES' ? undefined : typedView(t.datatype, t.data);
}

/** Compares `actual` with `reference` element by element; NaN matches NaN. */
export function compareTensors(actual: Tensor, reference: Tensor): TensorDifference {
  const sameShape = actual.datatype === reference.datatype && actual.shape.join() === reference.shape.join();
  const bitwise = sameShape && actual.data.equals(reference.data);
  const base = { name: reference.name, shape: [...actual.shape], bitwise };
  if (bitwise) return { ...base, maxAbs: 0, maxRel: 0 };
  const a = sameShape ? view(actual) : undefined;
  const b = sameShape ? view(reference) : undefined;
  if (!a || !b) return { ...base, maxAbs: Infinity, maxRel: Infinity };
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    const x = Number(a[i]!);
    const y = Number(b[i]!);
    if (Number.isNaN(x) || Number.isNaN(y)) {
      if (Number.isNaN(x) !== Number.isNaN(y)) diff = Infinity;
      continue;
    }
    if (x !== y) diff = Math.max(diff, Math.abs(x - y));
    if (Number.isFinite(y)) scale = Math.max(scale, Math.abs(y));
  }
  return { ...base, maxAbs: diff, maxRel: scale === 0 ? diff : diff / scale };
}
