import { readFile, rename, writeFile } from 'node:fs/promises';
import onnxProto from 'onnx-proto';
import type { onnx as Onnx } from 'onnx-proto';
import { SplitError } from '../split-error.js';

/**
 * ONNX graph plumbing for the splitter: loading and saving ModelProto, finding producers and
 * consumers, and cutting out the subgraph between named values. Works on protobufjs messages as
 * `onnx-proto` decodes them; it never mutates the model it is given.
 */
export const { onnx } = onnxProto;

/*
 * Decoded messages, typed as protobufjs builds them: repeated fields are always arrays and nested
 * messages are instances. (The generated classes type nested messages as the optional-everything
 * `I...` interfaces.)
 */
export type TensorProto = Onnx.TensorProto;
export type ValueInfoProto = Onnx.ValueInfoProto;
export type AttributeProto = Omit<Onnx.AttributeProto, 't'> & { t?: TensorProto | null };
export type NodeProto = Omit<Onnx.NodeProto, 'attribute'> & { attribute: AttributeProto[] };
export type GraphProto = Omit<Onnx.GraphProto, 'node' | 'initializer' | 'input' | 'output' | 'valueInfo'> & {
  node: NodeProto[];
  initializer: TensorProto[];
  input: ValueInfoProto[];
  output: ValueInfoProto[];
  valueInfo: ValueInfoProto[];
};
export type ModelProto = Omit<Onnx.ModelProto, 'graph'> & { graph: GraphProto };

/** protobufjs reads int64 fields as `Long` objects, or numbers when they were set from JS. */
export type Int64 = number | { toNumber(): number };

export function toInt(value: Int64 | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'number' ? value : value.toNumber();
}

export function decodeModel(bytes: Uint8Array): ModelProto {
  const model = onnx.ModelProto.decode(bytes);
  if (!model.graph) throw new TypeError('the ONNX model has no graph');
  return model as ModelProto;
}

export async function loadModel(file: string): Promise<ModelProto> {
  return decodeModel(await readFile(file));
}

export function encodeModel(model: Onnx.IModelProto): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}

/** Writes a model file whole: into a temporary file beside it, then renamed over it. */
export async function saveModel(file: string, model: Onnx.IModelProto): Promise<void> {
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, encodeModel(model));
  await rename(temp, file);
}

/** The node whose outputs include `value`, or undefined for graph inputs, initializers and unknown names. */
export function producerOf(graph: GraphProto, value: string): NodeProto | undefined {
  return graph.node.find((n) => n.output.includes(value));
}

/** Nodes that read `value`, in graph order. */
export function consumersOf(graph: GraphProto, value: string): NodeProto[] {
  return graph.node.filter((n) => n.input.includes(value));
}

/** A name for messages: the node's name, else its first output. */
export function describeNode(node: NodeProto): string {
  return `${node.name || node.output[0] || '?'} (${node.opType})`;
}

/** Every ValueInfo the graph declares, by name: inputs, outputs and value_info. */
export function declaredTypes(graph: GraphProto): Map<string, ValueInfoProto> {
  const types = new Map<string, ValueInfoProto>();
  for (const v of [...graph.valueInfo, ...graph.output, ...graph.input]) types.set(v.name, v);
  return types;
}

/**
 * A tensor ValueInfo. A number is a fixed dim, a string a named dynamic dim (dim_param), null a
 * dynamic dim without a name; `dims` undefined leaves the rank unknown.
 */
export function tensorValueInfo(
  name: string,
  elemType: number,
  dims?: readonly (number | string | null)[],
): ValueInfoProto {
  const shape =
    dims === undefined
      ? null
      : {
          dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : d === null ? {} : { dimParam: d })),
        };
  return onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType, shape } } });
}

/** The dims of a tensor ValueInfo as `tensorValueInfo` takes them; undefined when the rank is unknown. */
export function valueDims(info: Onnx.IValueInfoProto): (number | string | null)[] | undefined {
  const shape = info.type?.tensorType?.shape;
  if (!shape) return undefined;
  return (shape.dim ?? []).map((d) =>
    d.dimParam ? d.dimParam : d.dimValue != null ? toInt(d.dimValue) : null,
  );
}

/** A copy of `info` under another name. */
export function renameValueInfo(info: ValueInfoProto, name: string): ValueInfoProto {
  return onnx.ValueInfoProto.create({ ...info, name });
}

export interface SubgraphOptions {
  /** Values the subgraph takes as graph inputs; the walk back stops at them. */
  readonly inputs: readonly string[];
  /** Values it computes and returns as graph outputs. */
  readonly outputs: readonly string[];
  /** Types for boundary values the model does not declare (e.g. from `inferValueTypes`). */
  readonly types?: ReadonlyMap<string, ValueInfoProto>;
}

/**
 * The nodes needed to compute `outputs` from `inputs`, in the model's order, with only the
 * initializers and Constant nodes they use. Graph inputs are the `inputs` actually read, in the
 * order given. Opset imports, IR version and model metadata are kept. Throws a SplitError naming
 * the node whose input cannot be reached from `inputs`.
 */
export function extractSubgraph(model: ModelProto, options: SubgraphOptions): ModelProto {
  const graph = model.graph;
  const boundary = new Set(options.inputs);
  const initializers = new Map(graph.initializer.map((t) => [t.name, t]));
  const producers = new Map<string, NodeProto>();
  for (const node of graph.node) for (const out of node.output) if (out) producers.set(out, node);

  const keptNodes = new Set<NodeProto>();
  const keptInits = new Set<string>();
  const usedInputs = new Set<string>();
  const pending = options.outputs.map((value) => ({ value, reader: 'the subgraph outputs' }));
  const seen = new Set<string>();
  while (pending.length > 0) {
    const { value, reader } = pending.pop()!;
    if (!value || seen.has(value)) continue;
    seen.add(value);
    if (boundary.has(value)) {
      usedInputs.add(value);
    } else if (producers.has(value)) {
      const node = producers.get(value)!;
      if (node.attribute.some((a) => a.g || a.graphs.length > 0)) {
        throw new SplitError(
          describeNode(node),
          'nodes with subgraphs (If, Loop, Scan) are not supported yet',
        );
      }
      keptNodes.add(node);
      for (const input of node.input) pending.push({ value: input, reader: describeNode(node) });
    } else if (initializers.has(value)) {
      keptInits.add(value);
    } else {
      throw new SplitError(
        reader,
        `reads "${value}", which is not computable from [${options.inputs.join(', ')}]`,
      );
    }
  }

  const types = new Map([...declaredTypes(graph), ...(options.types ?? new Map<string, ValueInfoProto>())]);
  const typed = (name: string, role: string): ValueInfoProto => {
    const info = types.get(name);
    if (!info?.type) throw new SplitError(name, `the ${role} has no declared or inferred type`);
    return renameValueInfo(info, name);
  };
  const sub = graphProto({
    name: graph.name,
    node: graph.node.filter((n) => keptNodes.has(n)),
    initializer: graph.initializer.filter((t) => keptInits.has(t.name)),
    input: options.inputs.filter((n) => usedInputs.has(n)).map((n) => typed(n, 'subgraph input')),
    output: options.outputs.map((n) => typed(n, 'subgraph output')),
    valueInfo: graph.valueInfo.filter(
      (v) => seen.has(v.name) && !boundary.has(v.name) && !options.outputs.includes(v.name),
    ),
  });
  return withGraph(model, sub);
}

/** A GraphProto from its parts, typed as decoded ones are. */
export function graphProto(
  parts: Partial<GraphProto> & Pick<GraphProto, 'node' | 'input' | 'output'>,
): GraphProto {
  return onnx.GraphProto.create(parts) as GraphProto;
}

export function nodeProto(
  parts: Partial<NodeProto> & Pick<NodeProto, 'opType' | 'input' | 'output'>,
): NodeProto {
  return onnx.NodeProto.create(parts) as NodeProto;
}

/** A model with `model`'s IR version, opset imports and metadata around another graph. */
export function withGraph(model: ModelProto, graph: GraphProto): ModelProto {
  return modelProto({
    irVersion: model.irVersion,
    opsetImport: model.opsetImport,
    producerName: model.producerName,
    producerVersion: model.producerVersion,
    domain: model.domain,
    modelVersion: model.modelVersion,
    docString: model.docString,
    metadataProps: model.metadataProps,
    graph,
  });
}

export function modelProto(parts: Partial<ModelProto> & Pick<ModelProto, 'graph'>): ModelProto {
  return onnx.ModelProto.create(parts) as ModelProto;
}
