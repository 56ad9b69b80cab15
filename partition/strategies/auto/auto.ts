import { formatBytes } from '../../format-bytes.js';
import type { ModelProto } from '../../onnx/graph.js';
import { weightBytes } from '../../onnx/weights.js';
import type { PartitionedModel, PlanIdentity } from '../../onnx/partitioned-model.js';
import { SplitError } from '../../split-error.js';
import type { TypeInferrer } from '../../onnx/value-types.js';
import { requireBatchDim, splitBatch } from '../batch/batch.js';
import { splitHead } from '../head/head.js';
import { splitPipeline } from '../pipeline/pipeline.js';
import { splitTensorParallel } from '../tensor/tensor.js';

export type StrategyName = 'batch' | 'tensor' | 'pipeline' | 'head';

export interface AutoSplitOptions extends PlanIdentity {
  /** Partitions of the split stage (stages, for pipeline). */
  readonly partitions: number;
  /** Most weight bytes one partition may hold (a shard's memory budget). @default no limit */
  readonly maxPartitionBytes?: number;
  /** Types the values between stages, for tensor, head and pipeline. @default inferValueTypes (ONNX Runtime) */
  readonly inferTypes?: TypeInferrer;
}

export interface AutoChoice {
  readonly strategy: StrategyName;
  /** Why, in a sentence or two, for the CLI to print. */
  readonly reason: string;
}

const largestPartition = (split: PartitionedModel): number =>
  Math.max(...split.plan.stages.flatMap((s) => s.partitions.map((p) => p.weightBytes ?? 0)));

/**
 * Picks a strategy from the graph and the memory budget, and splits with it:
 * - the whole model fits one partition: `batch` (replicas share the batch, the cheapest way to
 *   use N shards) when every input and output has a dynamic batch dim, else `pipeline`;
 * - it does not: the first of `tensor` (every weight matrix divided N ways), `head` (a big classifier
 *   sharded, the rest whole) and `pipeline` (stages balanced by weight bytes) that applies to the
 *   graph and whose largest partition fits. None: a SplitError listing what each gave.
 */
export async function splitAuto(
  model: ModelProto,
  options: AutoSplitOptions,
): Promise<{ split: PartitionedModel; choice: AutoChoice }> {
  const total = weightBytes(model);
  const limit = options.maxPartitionBytes ?? Infinity;
  const limitText = Number.isFinite(limit) ? `--max-partition-bytes ${formatBytes(limit)}` : 'no limit';
  const { partitions: n, inferTypes } = options;
  const identity = { name: options.name, version: options.version, maxBatchSize: options.maxBatchSize };
  if (total <= limit) {
    const fits = `the whole model (${formatBytes(total)} of weights) fits one partition (${limitText})`;
    try {
      requireBatchDim(model);
      const reason = `${fits} and its inputs and outputs have a dynamic batch dim: ${n} whole replicas each take a slice of the batch`;
      return {
        split: splitBatch(model, { ...identity, partitions: n }),
        choice: { strategy: 'batch', reason },
      };
    } catch (error) {
      if (!(error instanceof SplitError)) throw error;
      const reason = `${fits}, but ${error.message}, so no batch split: ${n} pipeline stages instead`;
      const split = await splitPipeline(model, {
        ...identity,
        partitions: n,
        ...(inferTypes ? { inferTypes } : {}),
      });
      return { split, choice: { strategy: 'pipeline', reason } };
    }
  }
  const candidates: [StrategyName, () => Promise<PartitionedModel>][] = [
    [
      'tensor',
      () => splitTensorParallel(model, { ...identity, partitions: n, ...(inferTypes ? { inferTypes } : {}) }),
    ],
    ['head', () => splitHead(model, { ...identity, partitions: n, ...(inferTypes ? { inferTypes } : {}) })],
    [
      'pipeline',
      () => splitPipeline(model, { ...identity, partitions: n, ...(inferTypes ? { inferTypes } : {}) }),
    ],
  ];
  const tried: string[] = [];
  for (const [strategy, split] of candidates) {
    let result: PartitionedModel;
    try {
      result = await split();
    } catch (error) {
      if (!(error instanceof SplitError)) throw error;
      tried.push(`${strategy} does not apply (${error.message})`);
      continue;
    }
    const largest = largestPartition(result);
    if (largest <= limit) {
      const reason = [
        `the model's ${formatBytes(total)} of weights exceed one partition (${limitText})`,
        ...tried,
        `${strategy}: the largest of its partitions holds ${formatBytes(largest)}`,
      ].join('; ');
      return { split: result, choice: { strategy, reason } };
    }
    tried.push(`${strategy}: its largest partition would hold ${formatBytes(largest)}`);
  }
  throw new SplitError(
    model.graph.name || 'graph',
    `no strategy fits ${formatBytes(total)} of weights into ${n} partitions under ${limitText}: ${tried.join('; ')}; try more partitions`,
  );
}
