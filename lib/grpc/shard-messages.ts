import { isDatatype } from '../tensor/dtype.js';
import type { TensorSpec } from '../tensor/tensor.js';
import { invalidArgument } from './service-error.js';

/**
 * Plain-object forms of `proto/shardmesh/v1/shard.proto` as @grpc/proto-loader decodes them
 * (keepCase, int64 as Number, oneofs set `kind`). Shared by the router and the shard, which import
 * nothing of each other.
 */
export interface WireTensorSpec {
  name: string;
  datatype: string;
  shape: number[];
}

export interface WireChunk {
  tensor: number;
  offset: number;
  data: Buffer;
}

export interface WireInferHeader {
  request_id: string;
  model: string;
  version: string;
  stage: string;
  partition: number;
  inputs: WireTensorSpec[];
}

export interface WireInferTrailer {
  receive_us: number;
  compute_us: number;
  instance_id: string;
}

export type ShardRequestMessage =
  { kind: 'header'; header: WireInferHeader } | { kind: 'chunk'; chunk: WireChunk };

export type ShardResponseMessage =
  | { kind: 'header'; header: { outputs: WireTensorSpec[] } }
  | { kind: 'chunk'; chunk: WireChunk }
  | { kind: 'trailer'; trailer: WireInferTrailer };

/** Checks a spec from the wire; `where` names it in the error, e.g. `input "x"`. */
export function specFromWire(spec: WireTensorSpec, where: string): TensorSpec {
  if (!isDatatype(spec.datatype))
    throw invalidArgument(`${where}: datatype "${spec.datatype}" is not supported`);
  if (spec.shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    throw invalidArgument(`${where}: shape [${spec.shape}] must hold non-negative integers`);
  }
  return { name: spec.name, datatype: spec.datatype, shape: spec.shape.map(Number) };
}

export function specToWire(spec: TensorSpec): WireTensorSpec {
  return { name: spec.name, datatype: spec.datatype, shape: [...spec.shape] };
}
