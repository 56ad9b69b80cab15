import { list } from '../grpc/status-text.js';
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
    return `input "${declared.name}": shape ${list(actual.shape)} given, the model takes [${want}] (-1 is any size)`;
  }
  return undefined;
}
