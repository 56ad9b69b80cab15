import * as ort from 'onnxruntime-node';
import { datatypeFromOrt, ONNX_ELEM_TYPE } from '../../lib/tensor/dtype.js';
import {
  declaredTypes,
  encodeModel,
  graphProto,
  onnx,
  renameValueInfo,
  tensorValueInfo,
  withGraph,
  type ModelProto,
  type ValueInfoProto,
} from './graph.js';
import { SplitError } from '../split-error.js';

/**
 * Types of intermediate values, for the boundaries of a cut. Exported models often declare no
 * value_info (paddle2onnx's do not), and the splitter has no shape inference of its own, so it asks
 * ONNX Runtime's: the values are declared as untyped graph outputs, ONNX Runtime resolves the graph
 * and reports their element types and dims. Optimisation level 'basic' is the least that works:
 * with optimisations off, values computed from Constant nodes (a Reshape's target shape) are not
 * folded, so shapes after them come back with unknown rank. Graph outputs are never optimised away.
 */
export type TypeInferrer = (
  model: ModelProto,
  names: readonly string[],
) => Promise<Map<string, ValueInfoProto>>;

/** Types of `names`: declared ones as declared, the rest inferred by ONNX Runtime. */
export const inferValueTypes: TypeInferrer = async (model, names) => {
  const declared = declaredTypes(model.graph);
  const types = new Map<string, ValueInfoProto>();
  const unknown: string[] = [];
  for (const name of names) {
    const info = declared.get(name);
    if (info?.type?.tensorType?.shape) types.set(name, renameValueInfo(info, name));
    else unknown.push(name);
  }
  if (unknown.length === 0) return types;

  const graph = model.graph;
  const probe = withGraph(
    model,
    graphProto({
      ...graph,
      output: [...graph.output, ...unknown.map((name) => onnx.ValueInfoProto.create({ name }))],
    }),
  );
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(encodeModel(probe), { graphOptimizationLevel: 'basic' });
  } catch (error) {
    throw new SplitError(
      unknown.join(', '),
      `ONNX Runtime could not infer the types: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  try {
    for (const meta of session.outputMetadata) {
      if (!unknown.includes(meta.name)) continue;
      if (!meta.isTensor)
        throw new SplitError(meta.name, 'is not a tensor, so it cannot cross a partition boundary');
      const elemType = ONNX_ELEM_TYPE[datatypeFromOrt(meta.type)];
      // ORT reports a dim it knows nothing about as '' and a named one by its name.
      const dims = meta.shape?.map((d) => (typeof d === 'number' ? d : d === '' ? null : d));
      types.set(meta.name, tensorValueInfo(meta.name, elemType, dims));
    }
  } finally {
    await session.release();
  }
  return types;
};
