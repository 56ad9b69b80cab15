import { graphProto, onnx, tensorValueInfo, type ModelProto } from '../onnx/graph.js';
import { node, syntheticModel } from './synthetic.js';

const STRING = onnx.TensorProto.DataType.STRING;
const INT32 = onnx.TensorProto.DataType.INT32;
const ATTRIBUTE_INT = onnx.AttributeProto.AttributeType.INT;

/** Elements per row of each input, as Triton's example clients send. */
export const SIMPLE_STRING_WIDTH = 16;

/**
 * The model Triton's `simple_string` examples call, written here from its description: BYTES
 * inputs INPUT0 and INPUT1 of shape [batch, 16] whose elements are decimal integers as text, and
 * BYTES outputs OUTPUT0 = INPUT0 + INPUT1 and OUTPUT1 = INPUT0 - INPUT1, as text again. ONNX
 * Runtime's CPU Cast parses a string tensor into INT32 and prints INT32 back into strings, so the
 * graph is six nodes: two Casts in, Add and Sub, two Casts out. A string that is not a number
 * makes Cast fail at run time, as Triton's model fails on it too (the shard answers
 * INVALID_ARGUMENT quoting ONNX Runtime: services/shard/run-refusal.ts).
 */
export function simpleString(): ModelProto {
  const cast = (name: string, input: string, output: string, to: number): ReturnType<typeof node> =>
    node('Cast', name, [input], output, [{ name: 'to', type: ATTRIBUTE_INT, i: to }]);
  const dims = ['batch', SIMPLE_STRING_WIDTH];
  const graph = graphProto({
    name: 'simple_string',
    input: [tensorValueInfo('INPUT0', STRING, dims), tensorValueInfo('INPUT1', STRING, dims)],
    output: [tensorValueInfo('OUTPUT0', STRING, dims), tensorValueInfo('OUTPUT1', STRING, dims)],
    node: [
      cast('parse0', 'INPUT0', 'a', INT32),
      cast('parse1', 'INPUT1', 'b', INT32),
      node('Add', 'sum', ['a', 'b'], 'sum'),
      node('Sub', 'difference', ['a', 'b'], 'difference'),
      cast('print0', 'sum', 'OUTPUT0', STRING),
      cast('print1', 'difference', 'OUTPUT1', STRING),
    ],
  });
  return syntheticModel(graph, 13);
}
