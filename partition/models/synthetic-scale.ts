import { saveModel, type ModelProto } from '../onnx/graph.js';
import { weightBytes } from '../onnx/weights.js';
import { mlp, type WeightsAs } from './synthetic.js';
import { transformerBlock, transformerWeightBytes } from './synthetic-transformer.js';

/**
 * Seeded models of a requested weight size, for scale runs of the splitter (never part of `npm
 * test`). One ONNX file is one protobuf message, which may not reach 2 GiB, and ONNX Runtime
 * refuses larger ones, so sizes stop short of that. Generating holds the weights once as arrays
 * and once encoded: peak memory is about twice the model's size.
 */
export interface ScaleModelOptions {
  /** Weight bytes to reach at least; whole layers are added until it is. */
  readonly targetBytes: number;
  /** 'transformer': hidden 2048, 16 heads, FFN 8192, 192 MiB a layer. 'mlp': 4096 → 16384 → 4096, 512 MiB a block. @default 'transformer' */
  readonly kind?: 'transformer' | 'mlp';
  /** @default 'initializer' */
  readonly weightsAs?: WeightsAs;
  /** @default 1 */
  readonly seed?: number;
}

/** The most weight bytes a scale model may hold: 2 GiB less room for the graph and the framing. */
export const MAX_SCALE_BYTES = 2 ** 31 - 64 * 2 ** 20;

const TRANSFORMER = { hidden: 2048, heads: 16, ffnHidden: 8192 } as const;
const MLP = { inputDim: 4096, hiddenDim: 16384, outputDim: 4096 } as const;

/** The model `writeScaleModel` writes for `options`, and how many layers or blocks it has. */
export function scaleModel(options: ScaleModelOptions): { model: ModelProto; layers: number } {
  const { targetBytes, weightsAs, seed = 1 } = options;
  const perLayer =
    options.kind === 'mlp'
      ? 4 * (2 * MLP.inputDim * MLP.hiddenDim + MLP.hiddenDim + MLP.outputDim)
      : transformerWeightBytes(TRANSFORMER);
  const layers = Math.max(1, Math.ceil(targetBytes / perLayer));
  if (layers * perLayer > MAX_SCALE_BYTES) {
    throw new RangeError(
      `targetBytes ${targetBytes} needs ${layers * perLayer} bytes of weights, over the ${MAX_SCALE_BYTES} one ONNX file can hold`,
    );
  }
  const model =
    options.kind === 'mlp'
      ? mlp({ ...MLP, seed, blocks: layers, weightsAs })
      : transformerBlock({ ...TRANSFORMER, seed, layers, weightsAs });
  return { model, layers };
}

/** Writes a seeded model of at least `targetBytes` of weights to `file`; returns its weight bytes. */
export async function writeScaleModel(
  file: string,
  options: ScaleModelOptions,
): Promise<{ weightBytes: number; layers: number }> {
  const { model, layers } = scaleModel(options);
  await saveModel(file, model);
  return { weightBytes: weightBytes(model), layers };
}
