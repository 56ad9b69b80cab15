import { graphProto, onnx, tensorValueInfo, type ModelProto } from '../onnx/graph.js';
import { node, syntheticModel } from './synthetic.js';

/**
 * `simple`, the model Triton's example clients call, written here from its published contract
 * (not from Triton's files): INT32 INPUT0 and INPUT1 of shape [batch, 16]; OUTPUT0 = INPUT0 +
 * INPUT1 and OUTPUT1 = INPUT0 - INPUT1, element-wise, INT32. Dim 0 is a named dynamic dim, so
 * `split` detects it as the batch dimension and Triton's clients see max_batch_size > 0.
 */

const INT32 = onnx.TensorProto.DataType.INT32;
/** Elements per row, as in Triton's examples. */
export const SIMPLE_WIDTH = 16;

/** What the model is made of, for the demo repository's stamp: change it with the graph below. */
export const SIMPLE_RECIPE = { width: SIMPLE_WIDTH, OUTPUT0: 'Add', OUTPUT1: 'Sub', opset: 13 };

export function simpleModel(): ModelProto {
  const dims = ['batch', SIMPLE_WIDTH];
  const graph = graphProto({
    name: 'simple',
    input: [tensorValueInfo('INPUT0', INT32, dims), tensorValueInfo('INPUT1', INT32, dims)],
    output: [tensorValueInfo('OUTPUT0', INT32, dims), tensorValueInfo('OUTPUT1', INT32, dims)],
    node: [
      node('Add', 'sum', ['INPUT0', 'INPUT1'], 'OUTPUT0'),
      node('Sub', 'difference', ['INPUT0', 'INPUT1'], 'OUTPUT1'),
    ],
  });
  return syntheticModel(graph, 13);
}
