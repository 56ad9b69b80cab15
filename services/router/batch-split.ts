import { status as Status } from '@grpc/grpc-js';
import { ConcatMerger, concatTensors } from '../../lib/tensor/merge.js';
import { splitBytesTensor } from '../../lib/tensor/bytes.js';
import { strideBytes, type Tensor } from '../../lib/tensor/tensor.js';
import { ServiceError } from '../../lib/grpc/service-error.js';

/**
 * The data side of dynamic batching: requests' inputs laid one after another along axis 0 for one
 * execution, and the execution's outputs cut back along axis 0 by each request's batch count.
 */

/** Concatenates each of `names` across `members` along axis 0; one member's tensors pass as they are. */
export function concatBatch(
  members: readonly ReadonlyMap<string, Tensor>[],
  names: readonly string[],
): Map<string, Tensor> {
  if (members.length === 1) return new Map(members[0]!);
  return new Map(
    names.map((name) => {
      const parts = members.map((m) => m.get(name)!);
      if (parts[0]!.datatype === 'BYTES') return [name, concatTensors(parts, 0)];
      const merger = new ConcatMerger(
        name,
        parts[0]!.datatype,
        parts.map((t) => t.shape),
        0,
      );
      parts.forEach((t, p) => merger.accept(p, 0, t.data));
      return [name, merger.result()];
    }),
  );
}

/**
 * Cuts each of `names` in `outputs` along axis 0 into `sizes[m]` rows for member m, in member
 * order, sharing the output's memory. An output whose dim 0 is not the batch total means the plan
 * claimed a batch axis the model does not have: INTERNAL, naming the output.
 */
export function splitBatch(
  outputs: ReadonlyMap<string, Tensor>,
  sizes: readonly number[],
  names: readonly string[],
): Map<string, Tensor>[] {
  const total = sizes.reduce((a, b) => a + b, 0);
  const perMember = sizes.map(() => new Map<string, Tensor>());
  for (const name of names) {
    const tensor = outputs.get(name)!;
    if (tensor.shape[0] !== total)
      throw new ServiceError(
        Status.INTERNAL,
        `output "${name}" of a batch of ${total} has shape [${tensor.shape}]; its dim 0 is not the batch`,
      );
    if (tensor.datatype === 'BYTES') {
      splitBytesTensor(tensor, 0, sizes).forEach((part, m) => perMember[m]!.set(name, part));
      continue;
    }
    const row = strideBytes(tensor, 0);
    let at = 0;
    sizes.forEach((size, m) => {
      const data = tensor.data.subarray(at * row, (at + size) * row);
      perMember[m]!.set(name, { ...tensor, shape: [size, ...tensor.shape.slice(1)], data });
      at += size;
    });
  }
  return perMember;
}
