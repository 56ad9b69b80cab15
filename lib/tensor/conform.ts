import type { TensorSpec } from './tensor.js';

/**
 * Why `actual` does not fit `declared` (a dim of -1 in `declared` accepts any size), as a message
 * naming the tensor; undefined when it fits.
 */
export function mismatch(actual: Omit<TensorSpec, 'name'>, declared: TensorSpec): string | undefined {
  if (actual.datatype !== declared.datatype) {
    return `input "${declared.name}": datatype ${actual.datatype} given, the model takes ${declared.datatype}`;
  }
  const fits =
    actual.shape.length === declared.shape.length &&
    declared.shape.every((d, i) => d < 0 || d === actual.shape[i]);
  if (!fits) {
    const want = declared.shape.map((d) => (d < 0 ? '-1' : String(d))).join(',');
    return `input "${declared.name}": shape [${dims(actual.shape)}] given, the model takes [${want}] (-1 is any size)`;
  }
  return undefined;
}

/** A client's shape for a message: its first 16 dims, so a shape of a million dims stays short. */
function dims(shape: readonly number[]): string {
  const shown = shape.slice(0, 16).join(',');
  return shape.length > 16 ? `${shown},… (${shape.length} dims)` : shown;
}
