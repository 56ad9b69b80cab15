import { chunkRanges } from '../tensor/chunks.js';
import { isDatatype } from '../tensor/dtype.js';
import type { Tensor, TensorSpec } from '../tensor/tensor.js';
import { invalidArgument } from './service-error.js';

/**
 * Plain-object forms of `proto/shardmesh/v1/shard.proto`, as the shard codec (`shard-codec.ts`)
 * writes and reads them: field names as in the proto, uint64 as Number, the oneof named by `kind`.
 * Shared by the router and the shard, which import nothing of each other.
 */
export interface WireTensorSpec {
  name: string;
  datatype: string;
  shape: number[];
  /** BYTES tensors: their serialized size in bytes; 0 (or absent) for other datatypes. */
  byte_size?: number;
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
  /** Time left before the call's deadline when the router sent the header; 0: none. */
  timeout_us?: number;
  /** The W3C `traceparent` of the router's attempt span; empty or absent: not traced. */
  traceparent?: string;
  /** The W3C `tracestate` that goes with `traceparent`; empty or absent: none. */
  tracestate?: string;
  /** Input chunks sent inside the header, taken as if they came right after it. */
  chunks?: WireChunk[];
  /** The caller takes an answer that fits in one chunk as one header message (`WireOutputHeader`). */
  whole_answer?: boolean;
}

/** An answer's header; with `trailer` set it is the whole answer (asked by `whole_answer`). */
export interface WireOutputHeader {
  outputs: WireTensorSpec[];
  chunks?: WireChunk[];
  trailer?: WireInferTrailer;
}

export interface WireInferTrailer {
  receive_us: number;
  compute_us: number;
  instance_id: string;
}

/** A call's end as a gRPC status code and message, in-band on the shared stream. */
export interface WireCallError {
  code: number;
  message: string;
}

/** The router gives up a call: CANCELLED (its client cancelled) or DEADLINE_EXCEEDED. */
export interface WireCancel {
  code: number;
}

/** What a ShardRequest carries, without the call id it is tagged with. */
export type ShardRequestKind =
  | { kind: 'header'; header: WireInferHeader }
  | { kind: 'chunk'; chunk: WireChunk }
  | { kind: 'cancel'; cancel: WireCancel };

/** What a ShardResponse carries, without the call id it is tagged with. */
export type ShardResponseKind =
  | { kind: 'header'; header: WireOutputHeader }
  | { kind: 'chunk'; chunk: WireChunk }
  | { kind: 'trailer'; trailer: WireInferTrailer }
  | { kind: 'error'; error: WireCallError };

export type ShardRequestMessage = { call_id: number } & ShardRequestKind;
export type ShardResponseMessage = { call_id: number } & ShardResponseKind;

/**
 * Checks a spec from the wire; `where` names it in the error, e.g. `input "x"` (made only for an
 * error: every tensor of every call passes here).
 */
export function specFromWire(spec: WireTensorSpec, where: () => string): TensorSpec {
  if (!isDatatype(spec.datatype))
    throw invalidArgument(`${where()}: datatype "${spec.datatype}" is not supported`);
  if (spec.shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    throw invalidArgument(`${where()}: shape [${spec.shape}] must hold non-negative integers`);
  }
  const shape = spec.shape.map(Number);
  if (spec.datatype !== 'BYTES') return { name: spec.name, datatype: spec.datatype, shape };
  const byteLength = spec.byte_size ?? 0;
  // Every BYTES element takes at least its 4-byte length prefix.
  const least = shape.reduce((n, d) => n * d, 1) * 4;
  if (!Number.isSafeInteger(byteLength) || byteLength < least)
    throw invalidArgument(
      `${where()}: byte_size ${byteLength} is less than the ${least} bytes the length prefixes of shape [${shape}] take`,
    );
  return { name: spec.name, datatype: spec.datatype, shape, byteLength };
}

/** A spec for the wire; a BYTES tensor's size comes from its bytes, or its spec's `byteLength`. */
export function specToWire(spec: TensorSpec & { data?: Uint8Array }): WireTensorSpec {
  const wire: WireTensorSpec = { name: spec.name, datatype: spec.datatype, shape: [...spec.shape] };
  if (spec.datatype === 'BYTES') wire.byte_size = spec.data?.length ?? spec.byteLength ?? 0;
  return wire;
}

/**
 * Largest Shard.Infer message either side accepts: gRPC's default 4 MiB. Chunks are far smaller
 * (at most 3 MiB), so a bigger message means a broken peer.
 */
export const MAX_SHARD_MESSAGE_BYTES = 4 << 20;

/**
 * The chunk messages that carry `tensors` (a call's inputs or outputs), tensor by tensor, each cut
 * at `chunkBytes` (`chunkRanges`: never inside an element).
 */
export function* chunkMessages(
  tensors: readonly Tensor[],
  chunkBytes: number,
): Generator<{ kind: 'chunk'; chunk: WireChunk }> {
  for (const [tensor, t] of tensors.entries())
    for (const [offset, bytes] of chunkRanges(t.data.length, t.datatype, chunkBytes))
      yield { kind: 'chunk', chunk: { tensor, offset, data: t.data.subarray(offset, offset + bytes) } };
}

/**
 * A call's messages in the writes they go in (`MuxStream.write`, `StreamWriter.write`): `header`,
 * then the chunks that carry `tensors` (`chunkMessages`), then the answer's `trailer` when given,
 * grouped by `writeGroups`. With `oneMessage` (the receiver takes it so: shard.proto's
 * `InferHeader.chunks` and `whole_answer`), a call that fits in one write is one message, its
 * header carrying the chunks and the trailer.
 *
 * The usual call, whose tensors fit in one chunk, is built at once: no generators, no groups to
 * merge. It is the same message the general path makes (`shard-messages.test.ts` checks both).
 */
export function callWrites<M extends ShardRequestKind | ShardResponseKind>(
  header: Extract<M, { kind: 'header' }>,
  tensors: readonly Tensor[],
  chunkBytes: number,
  oneMessage: boolean,
  trailer?: WireInferTrailer,
): M[][] {
  if (oneMessage) {
    let bytes = 0;
    for (const t of tensors) bytes += t.data.length;
    if (bytes <= chunkBytes) {
      const chunks: WireChunk[] = [];
      for (let tensor = 0; tensor < tensors.length; tensor++) {
        const data = tensors[tensor]!.data;
        if (data.length > 0) chunks.push({ tensor, offset: 0, data });
      }
      return [[asOneMessage(header, chunks, trailer)]];
    }
  }
  const messages: M[] = [header, ...(chunkMessages(tensors, chunkBytes) as Iterable<M>)];
  if (trailer) messages.push({ kind: 'trailer', trailer } as M);
  const groups = [...writeGroups(messages, chunkBytes)];
  return oneMessage ? oneMessageWhenOneWrite(groups) : groups;
}

/**
 * A call's `writeGroups`, with a call that fits in one write made one message: its header carrying
 * the chunks (and, for an answer, the trailer), which shard.proto takes as if they had come apart.
 * A call of several writes is left as it is.
 */
function oneMessageWhenOneWrite<M extends ShardRequestKind | ShardResponseKind>(groups: M[][]): M[][] {
  const [header, ...rest] = groups.length === 1 ? groups[0]! : [];
  if (header?.kind !== 'header' || rest.length === 0) return groups;
  const chunks: WireChunk[] = [];
  let trailer: WireInferTrailer | undefined;
  for (const m of rest) {
    if (m.kind === 'chunk') chunks.push(m.chunk);
    else if (m.kind === 'trailer' && m === rest.at(-1)) trailer = m.trailer;
    else return groups;
  }
  return [[asOneMessage(header as Extract<M, { kind: 'header' }>, chunks, trailer)]];
}

/** The one message a call of one write becomes: its header, carrying its chunks (and trailer). */
function asOneMessage<M extends ShardRequestKind | ShardResponseKind>(
  header: Extract<M, { kind: 'header' }>,
  chunks: WireChunk[],
  trailer: WireInferTrailer | undefined,
): M {
  const whole = trailer ? { ...header.header, chunks, trailer } : { ...header.header, chunks };
  return { kind: 'header', header: whole } as M;
}

/**
 * A call's messages in the groups that go in one write each (`serializeShardRequests`,
 * `serializeShardResponses`): a new group starts where a chunk would take the group's chunk bytes
 * past `chunkBytes`; a message without bytes (header, trailer) joins the group it comes in. So a
 * call whose tensors fit in one chunk goes in one write, and a larger one's header rides with its
 * first chunk and its trailer with its last: the first message of a call on an idle stream used
 * to leave alone, the next one waiting for its write to finish (two TLS records and two wake-ups
 * of the receiver where one does; strace of a router and a shard serving the mlp at c=1).
 */
export function* writeGroups<M extends ShardRequestKind | ShardResponseKind>(
  messages: Iterable<M>,
  chunkBytes: number,
): Generator<M[]> {
  let group: M[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = message.kind === 'chunk' ? message.chunk.data.length : 0;
    if (size > 0 && bytes > 0 && bytes + size > chunkBytes) {
      yield group;
      group = [];
      bytes = 0;
    }
    group.push(message);
    bytes += size;
  }
  if (group.length > 0) yield group;
}
