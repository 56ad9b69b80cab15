import { bytesPerElement, type Datatype } from '../../lib/tensor/dtype.js';
import type { Tensor } from '../../lib/tensor/tensor.js';

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

type Numbers = ArrayLike<number> | ArrayLike<bigint>;

const VIEWS: Record<Datatype, ((b: ArrayBuffer, at: number, n: number) => Numbers) | undefined> = {
  FP32: (b, at, n) => new Float32Array(b, at, n),
  FP64: (b, at, n) => new Float64Array(b, at, n),
  INT64: (b, at, n) => new BigInt64Array(b, at, n),
  UINT64: (b, at, n) => new BigUint64Array(b, at, n),
  INT32: (b, at, n) => new Int32Array(b, at, n),
  UINT32: (b, at, n) => new Uint32Array(b, at, n),
  INT16: (b, at, n) => new Int16Array(b, at, n),
  UINT16: (b, at, n) => new Uint16Array(b, at, n),
  INT8: (b, at, n) => new Int8Array(b, at, n),
  UINT8: (b, at, n) => new Uint8Array(b, at, n),
  BOOL: (b, at, n) => new Uint8Array(b, at, n),
  // FP16 has no typed array in Node 20: compared bitwise only.
  FP16: undefined,
};

function view(t: Tensor): Numbers | undefined {
  const make = VIEWS[t.datatype];
  if (!make) return undefined;
  const width = bytesPerElement(t.datatype);
  const data = t.data.byteOffset % width === 0 ? t.data : Buffer.from(t.data);
  return make(data.buffer as ArrayBuffer, data.byteOffset, data.byteLength / width);
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
