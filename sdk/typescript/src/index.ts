/**
 * @shardmesh/client: a typed client of shardmesh's Open Inference Protocol API (KServe V2 /
 * Triton gRPC). Start with `ShardmeshClient.connect`.
 */
export { ShardmeshClient } from './client.js';
export type { InferOptions, ModelCallOptions, ModelMetadata, TensorMetadata } from './client.js';
export type { CallOptions } from './call-options.js';
export type { ConnectOptions, TlsFiles, TlsPem, TokenSource } from './client-options.js';
export type { DataType, NumericArray, NumericDataType, Tensor, TensorDataOf } from './datatypes.js';
export { bytesToStrings, decodeBytesElements, encodeBytesElements } from './bytes-tensor.js';
export type { InferInputs, ParameterValue, RequestOptions } from './infer-request.js';
export { InferResult } from './infer-result.js';
export { InferStream } from './infer-stream.js';
export type { StreamAnswer, StreamOptions } from './infer-stream.js';
export type { RetryEvent, RetryOptions } from './retry-policy.js';
export { ShardmeshError, Status } from './shardmesh-error.js';
export type { TensorInput } from './tensor-codec.js';
