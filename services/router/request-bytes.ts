import type { Plan } from '../../lib/plan/schema.js';
import { byteSize, elementCount, type Tensor } from '../../lib/tensor/tensor.js';
import { LENGTH_PREFIX_BYTES } from '../../lib/tensor/bytes.js';

/**
 * What one request makes the router hold, for its in-flight byte budget (lib/byte-budget.ts): its
 * decoded inputs and the requested outputs as the plan's shapes imply them for the request's
 * batch (a plan's dim of -1 at axis 0 of a batching model is the batch). Any other dim the plan
 * leaves open counts as 1 here, and a BYTES output as its 4-byte length prefixes; once the outputs exist, {@link heldBytes} gives the true figure
 * and the reservation is resized to it.
 */
export function expectedBytes(
  plan: Plan,
  inputs: ReadonlyMap<string, Tensor>,
  requested: readonly string[],
  batch: number,
): number {
  let bytes = 0;
  for (const t of inputs.values()) bytes += t.data.length;
  for (const name of requested) {
    const spec = plan.outputs.find((o) => o.name === name);
    if (!spec) continue;
    const shape = spec.shape.map((d, axis) => (d >= 0 ? d : axis === 0 && plan.maxBatchSize > 0 ? batch : 1));
    // A BYTES output's size is known only once it exists: its length prefixes are the least it takes.
    bytes +=
      spec.datatype === 'BYTES'
        ? elementCount(shape) * LENGTH_PREFIX_BYTES
        : byteSize({ datatype: spec.datatype, shape });
  }
  return bytes;
}

/** The bytes a request holds once its outputs exist: its inputs and the outputs it will send. */
export function heldBytes(inputs: ReadonlyMap<string, Tensor>, outputs: readonly Tensor[]): number {
  let bytes = 0;
  for (const t of inputs.values()) bytes += t.data.length;
  for (const t of outputs) bytes += t.data.length;
  return bytes;
}
