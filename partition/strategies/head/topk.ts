import type { Gather, TensorSpecJson } from '../../../lib/plan/schema.js';
import { ONNX_ELEM_TYPE } from '../../../lib/tensor/dtype.js';
import { splitOffsets } from '../../../lib/tensor/scatter.js';
import type { Tensor } from '../../../lib/tensor/tensor.js';
import {
  extractSubgraph,
  graphProto,
  nodeProto,
  onnx,
  tensorValueInfo,
  toInt,
  valueDims,
  withGraph,
  type AttributeProto,
  type ModelProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from '../../onnx/graph.js';
import { tensorSpec } from '../../onnx/partitioned-model.js';
import { SplitError } from '../../split-error.js';
import { inferValueTypes, type TypeInferrer } from '../../onnx/value-types.js';

/**
 * The `topk` form of a head split: each head partition ends in an ONNX TopK over its slice of the
 * logits (last axis, largest first, sorted), and the router merges the partitions' local top-k into
 * the global one (lib/tensor/topk.ts). The top-k is over the head's logits, the scores before any
 * tail: a monotonic tail such as Softmax would give the same indices but other values, and a tail
 * that is not monotonic would give other indices, so the tail is not run and the outputs are named
 * for the logits. Ties go to the lower index both within a partition (ONNX Runtime's TopK keeps the
 * lower index among equal values, for every opset form; topk.test.ts checks it) and across
 * partitions (mergeTopk), so the result is the unsplit model's logits' top-k exactly.
 */

/** The model outputs of a top-k head: `<logits>_topk_values` and `<logits>_topk_indices`. */
export function topkOutputNames(logits: string): { values: string; indices: string } {
  return { values: `${logits}_topk_values`, indices: `${logits}_topk_indices` };
}

/** The default-domain opset a model imports; TopK's form depends on it. */
export function defaultOpset(model: ModelProto): number {
  const entry = (model.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
  if (!entry) throw new SplitError(model.graph.name || 'model', 'imports no default-domain opset');
  return toInt(entry.version);
}

const INT = onnx.AttributeProto.AttributeType.INT;
const intAttribute = (name: string, i: number): AttributeProto =>
  onnx.AttributeProto.create({ name, type: INT, i }) as AttributeProto;

/**
 * The nodes and initializers computing `out` = TopK(`input`, k) on the last axis, largest first,
 * sorted, in the form `opset` knows: k an attribute before opset 10, an input from 10, with
 * `largest` and `sorted` spelled out from 11.
 */
export function topkNodes(
  opset: number,
  input: string,
  k: number,
  out: { values: string; indices: string },
): { nodes: NodeProto[]; initializers: TensorProto[] } {
  const name = `${out.values}_TopK`;
  const output = [out.values, out.indices];
  if (opset < 10) {
    const attribute = [intAttribute('axis', -1), intAttribute('k', k)];
    return {
      nodes: [nodeProto({ opType: 'TopK', name, input: [input], output, attribute })],
      initializers: [],
    };
  }
  const kName = `${out.values}_k`;
  const kTensor = onnx.TensorProto.create({
    name: kName,
    dims: [1],
    dataType: ONNX_ELEM_TYPE.INT64,
    int64Data: [k],
  });
  const attribute = [intAttribute('axis', -1)];
  if (opset >= 11) attribute.push(intAttribute('largest', 1), intAttribute('sorted', 1));
  return {
    nodes: [nodeProto({ opType: 'TopK', name, input: [input, kName], output, attribute })],
    initializers: [kTensor],
  };
}

/** ValueInfos of a top-k's values and indices: the logits' dims with the last one `k`. */
export function topkValueInfos(
  logits: ValueInfoProto,
  k: number,
  names: { values: string; indices: string },
): [ValueInfoProto, ValueInfoProto] {
  const dims = valueDims(logits);
  if (!dims || dims.length === 0)
    throw new SplitError(logits.name, 'the head output needs a known rank of at least 1 for a top-k');
  const topDims = [...dims.slice(0, -1), k];
  return [
    tensorValueInfo(names.values, logits.type!.tensorType!.elemType!, topDims),
    tensorValueInfo(names.indices, ONNX_ELEM_TYPE.INT64, topDims),
  ];
}

/** The plan's model outputs for a top-k of `k` over `logits`. */
export function topkOutputSpecs(logits: ValueInfoProto, k: number): TensorSpecJson[] {
  return topkValueInfos(logits, k, topkOutputNames(logits.name)).map(tensorSpec);
}

/**
 * The head stage's outputs: the values gathered with `topk` (indices offset by each partition's
 * first column, as `columnRange` cuts them), and the indices listed beside them as the plan's
 * validation asks; their own gather is never used, the top-k merges both.
 */
export function topkStageOutputs(
  logits: string,
  k: number,
  classes: number,
  partitions: number,
  axis: number,
): { name: string; gather: Gather }[] {
  const { values, indices } = topkOutputNames(logits);
  return [
    {
      name: values,
      gather: { kind: 'topk', k, indices, columnOffsets: splitOffsets(classes, partitions) },
    },
    { name: indices, gather: { kind: 'concat', axis } },
  ];
}

/**
 * The top `k` along the last axis of FP32 `logits`, in plain JS: larger value first, then the lower
 * index. The reference a top-k split is checked against (the unsplit model's logits through this),
 * independent of ONNX Runtime's TopK and of the router's merge.
 */
export function referenceTopk(logits: Tensor, k: number): [Tensor, Tensor] {
  if (logits.datatype !== 'FP32')
    throw new TypeError(`${logits.name}: reference top-k reads FP32, not ${logits.datatype}`);
  const width = logits.shape.at(-1) ?? 1;
  if (k > width) throw new RangeError(`k ${k} is more than the ${width} columns of ${logits.name}`);
  const rows = logits.data.length / 4 / width;
  const data = new Float32Array(new Uint8Array(logits.data).buffer);
  const values = new Float32Array(rows * k);
  const indices = new BigInt64Array(rows * k);
  const order = Array.from({ length: width }, (_, j) => j);
  for (let r = 0; r < rows; r++) {
    const row = data.subarray(r * width, (r + 1) * width);
    order.sort((a, b) => row[b]! - row[a]! || a - b);
    for (let j = 0; j < k; j++) {
      values[r * k + j] = row[order[j]!]!;
      indices[r * k + j] = BigInt(order[j]!);
    }
  }
  const shape = [...logits.shape.slice(0, -1), k];
  const names = topkOutputNames(logits.name);
  return [
    { name: names.values, datatype: 'FP32', shape, data: Buffer.from(values.buffer) },
    { name: names.indices, datatype: 'INT64', shape, data: Buffer.from(indices.buffer) },
  ];
}

/**
 * The unsplit model cut at the head's output `logits`, followed by ONNX Runtime's TopK: its outputs
 * are named and shaped as a top-k head split's plan outputs, so verification can run it as the
 * original and compare a top-k plan with it bitwise (ORT's TopK orders ties as referenceTopk does).
 */
export async function unsplitTopkModel(
  model: ModelProto,
  logits: string,
  k: number,
  inferTypes: TypeInferrer = inferValueTypes,
): Promise<ModelProto> {
  const graph = model.graph;
  const inputs = graph.input
    .filter((i) => !graph.initializer.some((t) => t.name === i.name))
    .map((i) => i.name);
  const types = await inferTypes(model, [logits]);
  const upToHead = extractSubgraph(model, { inputs, outputs: [logits], types }).graph;
  const names = topkOutputNames(logits);
  const top = topkNodes(defaultOpset(model), logits, k, names);
  return withGraph(
    model,
    graphProto({
      ...upToHead,
      node: [...upToHead.node, ...top.nodes],
      initializer: [...upToHead.initializer, ...top.initializers],
      output: topkValueInfos(types.get(logits)!, k, names),
    }),
  );
}
