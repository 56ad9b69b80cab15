import { encodeBytes, decodeBytes } from '../lib/tensor/bytes.js';
import { bytesPerElement, isDatatype, isFixedWidth, type Datatype } from '../lib/tensor/dtype.js';
import { typedView } from '../lib/tensor/typed-view.js';
import { mulberry32 } from '../lib/random.js';

/**
 * `shardmesh infer`'s inputs and printed outputs for every datatype: seeded values so that two runs
 * send the same request, in the raw little-endian form (or BYTES' length-prefixed form) the V2
 * API's `raw_input_contents` carries.
 */

/** One value as `infer` shows it: numbers as numbers (64-bit integers too, when exact), BYTES as text. */
export type ShownValue = number | string | boolean;

/** The largest integer a seeded integer input takes: small, so sums and products stay in range. */
const SEEDED_INT_MAX = 9;

/**
 * `count` seeded values of `datatype`: floats in [-1, 1), integers in [0, 9], booleans, and for
 * BYTES decimal integers in [0, 9] as text (what Triton's `simple_string` example sends).
 */
export function seededValues(datatype: Datatype, count: number, seed: number): ShownValue[] {
  const next = mulberry32(seed);
  const floats = datatype === 'FP32' || datatype === 'FP64' || datatype === 'FP16';
  return Array.from({ length: count }, () => {
    const r = next();
    if (floats) return r * 2 - 1;
    if (datatype === 'BOOL') return r < 0.5;
    const n = Math.floor(r * (SEEDED_INT_MAX + 1));
    return datatype === 'BYTES' ? String(n) : n;
  });
}

/** `values` (from `seededValues`) in the tensor's raw form. */
export function rawContents(datatype: Datatype, values: readonly ShownValue[]): Buffer {
  if (!isFixedWidth(datatype)) return encodeBytes(values.map(String));
  const raw = Buffer.alloc(values.length * bytesPerElement(datatype));
  const view = typedView(datatype, raw);
  values.forEach((v, i) => {
    if (datatype === 'INT64' || datatype === 'UINT64') view[i] = BigInt(v as number);
    else if (datatype === 'FP16') view[i] = float16Bits(v as number);
    else view[i] = Number(v);
  });
  return raw;
}

/** A raw output tensor's values as `infer` prints them. */
export function shownValues(datatype: string, raw: Uint8Array, count: number): ShownValue[] {
  if (!isDatatype(datatype)) throw new TypeError(`the model answered with unknown datatype ${datatype}`);
  if (!isFixedWidth(datatype)) return decodeBytes(raw, count).map((e) => e.toString('utf8'));
  const view = typedView(datatype, raw);
  if (datatype === 'FP16') return Array.from(view as Uint16Array, float16Value);
  if (datatype === 'BOOL') return Array.from(view as Uint8Array, (v) => v !== 0);
  return Array.from(view as ArrayLike<number | bigint>, (v) =>
    typeof v === 'bigint' && (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER))
      ? v.toString()
      : Number(v),
  );
}

// IEEE 754 half precision, for the FP16 tensors Node 20 has no typed array for.
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

function float16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exponent = ((x >>> 23) & 0xff) - 127 + 15;
  if (exponent <= 0) return sign; // too small: zero (seeded values are never subnormal)
  if (exponent >= 31) return sign | 0x7c00;
  return sign | (exponent << 10) | ((x >>> 13) & 0x3ff);
}

function float16Value(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}
