import { toInt, type NodeProto } from './graph.js';

/** Node attributes the splitter reads, with the defaults the ONNX operator specs give. */

/** An INT attribute, or `fallback` when the node does not set it. */
export function intAttribute(node: NodeProto, name: string, fallback: number): number {
  const attribute = node.attribute.find((a) => a.name === name);
  return attribute ? toInt(attribute.i) : fallback;
}

/** An INTS attribute, or undefined when the node does not set it. */
export function intsAttribute(node: NodeProto, name: string): number[] | undefined {
  const attribute = node.attribute.find((a) => a.name === name);
  return attribute ? attribute.ints.map(toInt) : undefined;
}
