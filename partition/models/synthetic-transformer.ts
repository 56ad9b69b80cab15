import { graphProto, onnx, tensorValueInfo, type ModelProto, type NodeProto } from '../onnx/graph.js';
import { makeInitializer } from '../onnx/weights.js';
import {
  FLOAT,
  node,
  randomFloat32,
  syntheticModel,
  WeightSink,
  type Activation,
  type WeightsAs,
} from './synthetic.js';

export interface TransformerOptions {
  /** Model width: the last dim of `x` and `y`. */
  readonly hidden: number;
  /** Attention heads; `hidden` must be a multiple of it. */
  readonly heads: number;
  /** Width of the feed-forward layer. */
  readonly ffnHidden: number;
  readonly seed: number;
  /** A fixed sequence length. @default dynamic ('seq') */
  readonly seqLen?: number;
  /** Blocks chained one after another. @default 1 */
  readonly layers?: number;
  /** The feed-forward activation; 'Gelu' needs opset 20, otherwise the model imports opset 17. @default 'Gelu' */
  readonly activation?: Activation;
  /** @default 'initializer' */
  readonly weightsAs?: WeightsAs;
}

const { INTS, INT, FLOAT: FLOAT_ATTR } = onnx.AttributeProto.AttributeType;
const ints = (name: string, values: number[]) => ({ name, type: INTS, ints: values });
const int = (name: string, value: number) => ({ name, type: INT, i: value });

/** Bytes of FP32 weights `transformerBlock(options)` holds, shape constants aside. */
export function transformerWeightBytes(options: Omit<TransformerOptions, 'seed'>): number {
  const { hidden: h, ffnHidden: f } = options;
  const perLayer = 4 * h * h + 4 * h + 2 * h * f + f + h + 4 * h + 1;
  return 4 * perLayer * (options.layers ?? 1);
}

/**
 * Pre-LN transformer blocks in plain ONNX ops, FP32: `x` [batch, seq, hidden] → LayerNormalization
 * → Q, K, V (MatMul + Add, each [hidden, hidden]) → Reshape [0, 0, heads, headDim] → Transpose (K
 * to [b, h, d, s], Q and V to [b, h, s, d]) → MatMul → Div by sqrt(headDim) → Softmax → MatMul →
 * Transpose → Reshape [0, 0, hidden] → output projection (MatMul + Add) → residual Add → LayerNorm
 * → MatMul + Add → activation → MatMul + Add → residual Add → `y`. With `layers` > 1 the blocks
 * chain; node and weight names carry an `l<i>.` prefix. The residual stream between blocks is
 * declared in value_info. Dense weights are uniform in ±1/sqrt(fan_in), LayerNorm scales in
 * 1 ± 0.1, so values keep their scale through any depth.
 */
export function transformerBlock(options: TransformerOptions): ModelProto {
  const { hidden, heads, ffnHidden, seed } = options;
  const layers = options.layers ?? 1;
  const activation = options.activation ?? 'Gelu';
  if (!Number.isInteger(layers) || layers < 1)
    throw new RangeError(`layers must be a positive integer, not ${layers}`);
  if (hidden % heads !== 0) throw new RangeError(`hidden ${hidden} is not a multiple of heads ${heads}`);
  const headDim = hidden / heads;
  const dims = ['batch', options.seqLen ?? 'seq', hidden];
  const sink = new WeightSink(options.weightsAs);
  const nodes: NodeProto[] = [];
  const stream = [];
  let x = 'x';
  for (let l = 0; l < layers; l++) {
    const p = (name: string) => `l${l}.${name}`;
    const at = seed + 16 * l;
    const layerNorm = (name: string, input: string, s: number) => {
      const gain = randomFloat32(hidden, s, 0.1).map((g) => 1 + g);
      sink.add(makeInitializer(p(`${name}.scale`), [hidden], gain));
      const bias = sink.random(p(`${name}.bias`), [hidden], s + 1, 0.1);
      const attrs = [int('axis', -1), { name: 'epsilon', type: FLOAT_ATTR, f: 1e-5 }];
      nodes.push(node('LayerNormalization', p(name), [input, p(`${name}.scale`), bias], p(name), attrs));
      return p(name);
    };
    const dense = (name: string, input: string, rows: number, cols: number, s: number) => {
      const w = sink.random(p(`W${name}`), [rows, cols], s, 1 / Math.sqrt(rows));
      const b = sink.random(p(`b${name}`), [cols], s + 1, 1 / Math.sqrt(rows));
      nodes.push(node('MatMul', p(`${name}_proj`), [input, w], p(`${name}_mm`)));
      nodes.push(node('Add', p(`${name}_bias`), [p(`${name}_mm`), b], p(name)));
      return p(name);
    };

    const ln1 = layerNorm('ln1', x, at);
    const split = sink.int64(p('heads_shape'), [0, 0, heads, headDim]);
    const perm = { q: [0, 2, 1, 3], k: [0, 2, 3, 1], v: [0, 2, 1, 3] };
    for (const [i, name] of (['q', 'k', 'v'] as const).entries()) {
      dense(name, ln1, hidden, hidden, at + 2 + 2 * i);
      nodes.push(node('Reshape', p(`${name}_heads`), [p(name), split], p(`${name}4`)));
      nodes.push(
        node('Transpose', p(`${name}_t`), [p(`${name}4`)], p(`${name}h`), [ints('perm', perm[name])]),
      );
    }
    const scale = sink.add(makeInitializer(p('scale'), [], Float32Array.of(Math.sqrt(headDim))));
    nodes.push(
      node('MatMul', p('scores'), [p('qh'), p('kh')], p('scores')),
      node('Div', p('scaled'), [p('scores'), scale], p('scaled')),
      node('Softmax', p('probs'), [p('scaled')], p('probs'), [int('axis', -1)]),
      node('MatMul', p('context'), [p('probs'), p('vh')], p('context')),
      node('Transpose', p('context_t'), [p('context')], p('context_t'), [ints('perm', [0, 2, 1, 3])]),
    );
    const merge = sink.int64(p('merge_shape'), [0, 0, hidden]);
    nodes.push(node('Reshape', p('merge_heads'), [p('context_t'), merge], p('context_merged')));
    const attn = dense('o', p('context_merged'), hidden, hidden, at + 8);
    nodes.push(node('Add', p('attn_residual'), [x, attn], p('attn_res')));
    stream.push(tensorValueInfo(p('attn_res'), FLOAT, dims));

    const ln2 = layerNorm('ln2', p('attn_res'), at + 10);
    const up = dense('up', ln2, hidden, ffnHidden, at + 12);
    nodes.push(node(activation, p('act'), [up], p('act')));
    const down = dense('down', p('act'), ffnHidden, hidden, at + 14);
    const out = l === layers - 1 ? 'y' : p('ffn_res');
    nodes.push(node('Add', p('ffn_residual'), [p('attn_res'), down], out));
    if (out !== 'y') stream.push(tensorValueInfo(out, FLOAT, dims));
    x = out;
  }
  const graph = graphProto({
    name: 'transformer',
    input: [tensorValueInfo('x', FLOAT, dims)],
    output: [tensorValueInfo('y', FLOAT, dims)],
    valueInfo: stream,
    initializer: sink.initializers,
    node: [...sink.constants, ...nodes],
  });
  return syntheticModel(graph, activation === 'Gelu' ? 20 : 17);
}
