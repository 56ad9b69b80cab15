import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Tensor } from '../../lib/tensor/tensor.js';
import { ocrRecognitionModelPath } from '../../partition/models/demo-models.js';
import { loadModel, type ModelProto } from '../../partition/onnx/graph.js';
import type { PartitionedModel } from '../../partition/onnx/partitioned-model.js';
import {
  locateShippedModel,
  missingModelMessage,
  PARAPHRASE_MINILM_L3,
  withTokenScores,
} from '../../partition/models/real-models.js';
import { splitBatch } from '../../partition/strategies/batch/batch.js';
import { findHead, splitHead } from '../../partition/strategies/head/head.js';
import { unsplitTopkModel } from '../../partition/strategies/head/topk.js';
import { splitPipeline } from '../../partition/strategies/pipeline/pipeline.js';
import { splitTensorParallel } from '../../partition/strategies/tensor/tensor.js';
import { mlp, randomTensor } from '../../partition/models/synthetic.js';
import { transformerBlock } from '../../partition/models/synthetic-transformer.js';
import { writePartitionedModel } from '../../partition/onnx/write.js';

/**
 * Every strategy on every model it applies to, as model repositories the real router and shards
 * serve. `exact` cases (concat and top-k gathers) must match the unsplit model bitwise; the others
 * (sum gathers, pipelines) within 1e-5 relative.
 */
export interface StrategyCase {
  readonly name: string;
  readonly model: string;
  readonly strategy: string;
  readonly exact: boolean;
  /**
   * Outputs of an `exact` case that ONNX Runtime itself computes differently at another batch size
   * (so a batch split cannot be bitwise), with the tolerance they get instead and why.
   */
  readonly inexact?: Readonly<Record<string, string>>;
  readonly inputs: readonly Tensor[];
  /** The unsplit model whose outputs the served plan must reproduce. */
  readonly reference: ModelProto;
  readonly split: PartitionedModel;
}

const int64 = (name: string, shape: number[], values: number[]): Tensor => ({
  name,
  datatype: 'INT64',
  shape,
  data: Buffer.from(BigInt64Array.from(values, BigInt).buffer),
});

interface SourceModel {
  readonly model: string;
  readonly proto: ModelProto;
  readonly inputs: Tensor[];
}

async function sources(): Promise<SourceModel[]> {
  const minilmFile = await locateShippedModel(PARAPHRASE_MINILM_L3);
  if (!minilmFile) throw new Error(missingModelMessage(PARAPHRASE_MINILM_L3));
  return [
    {
      model: 'ocr',
      proto: await loadModel(ocrRecognitionModelPath()),
      inputs: [randomTensor('x', [2, 3, 48, 160], 31)],
    },
    {
      model: 'minilm',
      proto: await loadModel(minilmFile),
      inputs: [
        int64(
          'input_ids',
          [2, 9],
          [
            101, 7592, 2088, 2003, 1037, 3231, 1012, 102, 0, 101, 2023, 2003, 2178, 6251, 2007, 2062, 2616,
            102,
          ],
        ),
        int64('attention_mask', [2, 9], [1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1]),
      ],
    },
    {
      model: 'mlp',
      proto: mlp({ inputDim: 32, hiddenDim: 128, outputDim: 16, seed: 3, blocks: 3 }),
      inputs: [randomTensor('x', [4, 32], 32)],
    },
    {
      model: 'xf',
      proto: transformerBlock({ hidden: 64, heads: 4, ffnHidden: 256, seed: 5, layers: 2 }),
      inputs: [randomTensor('x', [2, 6, 64], 33)],
    },
  ];
}

const PARTITIONS = 2;
const TOPK = 5;

/** Builds every case; those a strategy refuses are listed in `refused` with the splitter's reason. */
export async function strategyCases(): Promise<{ cases: StrategyCase[]; refused: string[] }> {
  const cases: StrategyCase[] = [];
  const refused: string[] = [];
  for (const source of await sources()) {
    const id = (strategy: string) => ({ name: `${source.model}-${strategy}`, partitions: PARTITIONS });
    const attempts: [string, boolean, () => Promise<{ split: PartitionedModel; reference: ModelProto }>][] = [
      [
        'batch',
        true,
        async () => ({ split: splitBatch(source.proto, id('batch')), reference: source.proto }),
      ],
      [
        'tensor',
        false,
        async () => ({
          split: await splitTensorParallel(source.proto, id('tensor')),
          reference: source.proto,
        }),
      ],
      [
        'pipeline',
        false,
        async () => ({ split: await splitPipeline(source.proto, id('pipeline')), reference: source.proto }),
      ],
      [
        'head',
        true,
        async () => ({ split: await splitHead(source.proto, id('head')), reference: source.proto }),
      ],
      [
        'topk',
        true,
        async () => {
          // A sentence encoder has no classifier; MiniLM gets a vocabulary head over its own embeddings.
          const proto =
            source.model === 'minilm'
              ? withTokenScores(source.proto, { hidden: 'onnx::Shape_422' })
              : source.proto;
          const split = await splitHead(proto, { ...id('topk'), topk: TOPK });
          return { split, reference: await unsplitTopkModel(proto, findHead(proto).output, TOPK) };
        },
      ],
    ];
    for (const [strategy, exact, build] of attempts) {
      try {
        const { split, reference } = await build();
        // MiniLM's pooled embedding (ReduceSum over the masked tokens, then Div) comes out of ORT
        // with a different rounding for a batch of 1 than for a batch of 2 (8e-8 relative).
        const inexact =
          source.model === 'minilm' && strategy === 'batch'
            ? { '461': 'ORT reduces a batch of 1 with another rounding than a batch of 2' }
            : undefined;
        cases.push({
          name: `${source.model}-${strategy}`,
          model: source.model,
          strategy,
          exact,
          inputs: source.inputs,
          reference,
          split,
          ...(inexact ? { inexact } : {}),
        });
      } catch (error) {
        refused.push(`${source.model} × ${strategy}: ${(error as Error).message}`);
      }
    }
  }
  return { cases, refused };
}

export async function writeCases(root: string, cases: readonly StrategyCase[]): Promise<void> {
  await mkdir(root, { recursive: true });
  for (const c of cases)
    await writePartitionedModel(path.join(root, c.name, '1'), c.split.plan, c.split.models);
}
