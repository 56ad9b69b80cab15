import type { ModelProto } from '../../onnx/graph.js';
import { weightBytes } from '../../onnx/weights.js';
import type { PartitionedModel } from '../../onnx/partitioned-model.js';

/**
 * How a split divides the weights, to show it really does: disjoint slices sum to about the
 * original (`sumRatio` near 1) and each holds about 1/N of it (`maxShare` near 1/N).
 */
export interface WeightShares {
  /** Weight bytes of the unsplit model. */
  readonly total: number;
  /**
   * Bytes partition index p holds over all stages: what one shard holds when it serves partition
   * p of every stage (a one-partition stage counts towards partition 0).
   */
  readonly partitions: readonly number[];
  /** Sum of `partitions` over `total`. */
  readonly sumRatio: number;
  /** The largest of `partitions` over `total`. */
  readonly maxShare: number;
}

export function weightShares(original: ModelProto, split: PartitionedModel): WeightShares {
  const total = weightBytes(original);
  const width = Math.max(...split.models.map((stage) => stage.length));
  const partitions = new Array<number>(width).fill(0);
  for (const stage of split.models) stage.forEach((model, p) => (partitions[p]! += weightBytes(model)));
  const sum = partitions.reduce((a, b) => a + b, 0);
  return { total, partitions, sumRatio: sum / total, maxShare: Math.max(...partitions) / total };
}
