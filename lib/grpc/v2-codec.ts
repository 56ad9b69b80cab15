// The router's codec for the messages that carry tensors on the public V2 API: ModelInferRequest in,
// ModelInferResponse and ModelStreamInferResponse out. Everything else in those messages is small
// and goes through protobufjs exactly as proto-loader would; the tensor bytes do not:
//
// - decode: raw_input_contents stay slices of the received message buffer (no copy), and the rest
//   of the message is decoded by protobufjs, so every other field reads as before (LOADER_OPTIONS).
// - encode: the small header fields are written with protobufjs's Writer and raw_output_contents
//   are copied once, straight into the message buffer; a single output allocated with headroom
//   (lib/tensor/output-buffers.ts) is not copied at all, the header goes in front of it. grpc-js
//   would copy the message once more into its length-prefixed frame (server-interceptors
//   serializeMessage); server-framing.ts writes that prefix in front of such a message instead.
// - ownership: encoding a response consumes it. Outputs from allocateOutput go back to its pool
//   once their bytes are copied or written, so a response object must not be read after it was
//   sent.
//
// Wire form is the protocol's: fields in field-number order, as protobufjs writes them, so the
// bytes equal protobufjs's own encoding of the same object.

import type { ServiceDefinition } from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { headroomOf, releaseOutput } from '../tensor/output-buffers.js';
import { loadInferencePackage } from './protos.js';
import { installServerFraming, markFramable } from './server-framing.js';

type Serialize = (value: object) => Buffer;
type Deserialize = (bytes: Buffer) => Record<string, unknown>;

const RAW_INPUT_CONTENTS = 7;
const RAW_OUTPUT_CONTENTS = 6;
const WIRE_LEN = 2;

function messageCodec(type: string): { serialize: Serialize; deserialize: Deserialize } {
  const definition = loadInferencePackage().packageDefinition[type] as unknown as {
    serialize: Serialize;
    deserialize: Deserialize;
  };
  return { serialize: definition.serialize, deserialize: definition.deserialize };
}

/**
 * A ModelInferRequest as proto-loader decodes it, except that `raw_input_contents` are views of
 * `bytes`: they live as long as whoever holds them, and nobody may write into them.
 */
export function decodeInferRequest(bytes: Buffer): Record<string, unknown> {
  const reader = protobuf.Reader.create(bytes);
  const raw: Buffer[] = [];
  // Byte ranges of every other field, in order; usually one run, so no copy is needed for them.
  const rest: Buffer[] = [];
  let runStart = 0;
  while (reader.pos < reader.len) {
    const fieldStart = reader.pos;
    const tag = reader.uint32();
    if (tag >>> 3 === RAW_INPUT_CONTENTS && (tag & 7) === WIRE_LEN) {
      const length = reader.uint32();
      const start = reader.pos;
      if (start + length > reader.len) throw new RangeError('raw_input_contents runs past the message');
      raw.push(bytes.subarray(start, start + length));
      reader.pos = start + length;
      if (fieldStart > runStart) rest.push(bytes.subarray(runStart, fieldStart));
      runStart = reader.pos;
    } else {
      reader.skipType(tag & 7);
    }
  }
  if (reader.len > runStart) rest.push(bytes.subarray(runStart, reader.len));
  const others = rest.length === 1 ? rest[0]! : Buffer.concat(rest);
  const message = REQUEST.deserialize(others);
  message['raw_input_contents'] = raw;
  return message;
}

/** Marks a request the router's deserializer could not decode; holds why. */
export const UNDECODABLE = Symbol('shardmesh.undecodable');

/**
 * `decodeInferRequest` for grpc-js: bytes that are not a ModelInferRequest come back as
 * `{ [UNDECODABLE]: why }` instead of throwing. grpc-js answers a throwing deserializer with
 * INTERNAL and, on a ModelStreamInfer whose answers are being written, ends the stream in a way
 * that left clients waiting for a status; handed to the handler, the message is refused like any
 * bad request: INVALID_ARGUMENT for ModelInfer, an `error_message` for ModelStreamInfer.
 */
export function decodeInferRequestOrRefusal(bytes: Buffer): Record<string | symbol, unknown> {
  try {
    return decodeInferRequest(bytes);
  } catch (error) {
    return { [UNDECODABLE]: error instanceof Error ? error.message : String(error) };
  }
}

/** Why the router's deserializer refused `request`, or undefined for a decoded request. */
export function undecodable(request: object): string | undefined {
  return (request as { [UNDECODABLE]?: string })[UNDECODABLE];
}

interface WireOutput {
  name?: string;
  datatype?: string;
  shape?: readonly number[];
  parameters?: Record<string, unknown> | null;
  contents?: unknown;
}

interface WireInferResponse {
  model_name?: string;
  model_version?: string;
  id?: string;
  parameters?: Record<string, unknown> | null;
  outputs?: readonly WireOutput[];
  raw_output_contents?: readonly Uint8Array[];
}

const isEmpty = (map: Record<string, unknown> | null | undefined): boolean =>
  map === undefined || map === null || Object.keys(map).length === 0;

/** Whether the header can be written by hand: no maps and no typed contents, numbers as dims. */
function plain(response: WireInferResponse): boolean {
  const text = (v: unknown): boolean => v == null || typeof v === 'string';
  if (!isEmpty(response.parameters)) return false;
  if (![response.model_name, response.model_version, response.id].every(text)) return false;
  return (response.outputs ?? []).every(
    (o) =>
      text(o.name) &&
      text(o.datatype) &&
      isEmpty(o.parameters) &&
      (o.contents === undefined || o.contents === null) &&
      (o.shape ?? []).every((d) => typeof d === 'number' && Number.isSafeInteger(d)),
  );
}

/** Fields 1–5 of a ModelInferResponse, byte for byte as protobufjs encodes them. */
function encodeHeader(response: WireInferResponse): Uint8Array {
  if (!plain(response)) return RESPONSE.serialize({ ...response, raw_output_contents: [] });
  // protobufjs writes a field whenever the object holds it (even "" ), so this does too.
  const w = protobuf.Writer.create();
  if (response.model_name != null) w.uint32(10).string(response.model_name);
  if (response.model_version != null) w.uint32(18).string(response.model_version);
  if (response.id != null) w.uint32(26).string(response.id);
  for (const o of response.outputs ?? []) {
    w.uint32(42).fork();
    if (o.name != null) w.uint32(10).string(o.name);
    if (o.datatype != null) w.uint32(18).string(o.datatype);
    if (o.shape != null && o.shape.length > 0) {
      w.uint32(26).fork();
      for (const d of o.shape) w.int64(d);
      w.ldelim();
    }
    w.ldelim();
  }
  return w.finish();
}

function varintLength(n: number): number {
  let length = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    length++;
  }
  return length;
}

function writeVarint(into: Buffer, at: number, n: number): number {
  while (n >= 0x80) {
    into[at++] = (n % 0x80) | 0x80;
    n = Math.floor(n / 0x80);
  }
  into[at++] = n;
  return at;
}

/**
 * A ModelInferResponse, or with `outerPrefix` a ModelStreamInferResponse holding it as field 2
 * after the fields in `outerPrefix`. Tensor bytes are copied at most once: not at all for one
 * output with headroom, which goes back to the pool after grpc-js wrote it; outputs that were
 * copied go back at once.
 */
function encodeResponse(response: WireInferResponse, outerPrefix?: Uint8Array): Buffer {
  const header = encodeHeader(response);
  const raw = response.raw_output_contents ?? [];
  let innerLength = header.length;
  for (const r of raw) innerLength += 1 + varintLength(r.length) + r.length;
  const outer = outerPrefix ? outerPrefix.length + 1 + varintLength(innerLength) : 0;
  const prefixLength = outer + innerLength - (raw.length === 1 ? raw[0]!.length : 0);
  const only = raw.length === 1 && Buffer.isBuffer(raw[0]) ? raw[0] : undefined;
  const whole = only ? headroomOf(only) : undefined;
  // One output with headroom: write everything in front of it, leaving 5 bytes for gRPC's frame
  // prefix (server-framing.ts); the tensor stays where it is, and is reused once it was written.
  if (only && whole && only.byteOffset - whole.byteOffset >= prefixLength + 5) {
    const start = only.byteOffset - whole.byteOffset - prefixLength;
    const end = writePrefix(whole, start, header, outerPrefix, innerLength, [only], false);
    if (end !== start + prefixLength) throw new Error('v2-codec: prefix length mismatch');
    return markFramable(whole.subarray(start, end + only.length), () => releaseOutput(only));
  }
  const out = Buffer.allocUnsafe(outer + innerLength);
  const end = writePrefix(out, 0, header, outerPrefix, innerLength, raw, true);
  if (end !== out.length) throw new Error('v2-codec: message length mismatch');
  for (const r of raw) if (Buffer.isBuffer(r)) releaseOutput(r);
  return out;
}

/** Writes outer fields, the header and each raw entry's tag and length (and bytes, if `copy`). */
function writePrefix(
  into: Buffer,
  at: number,
  header: Uint8Array,
  outerPrefix: Uint8Array | undefined,
  innerLength: number,
  raw: readonly Uint8Array[],
  copy: boolean,
): number {
  if (outerPrefix) {
    into.set(outerPrefix, at);
    at += outerPrefix.length;
    into[at++] = (2 << 3) | WIRE_LEN;
    at = writeVarint(into, at, innerLength);
  }
  into.set(header, at);
  at += header.length;
  for (const r of raw) {
    into[at++] = (RAW_OUTPUT_CONTENTS << 3) | WIRE_LEN;
    at = writeVarint(into, at, r.length);
    if (copy) {
      into.set(r, at);
      at += r.length;
    }
  }
  return at;
}

/**
 * The bytes around the outputs of a ModelInferResponse whose raw_output_contents will be
 * `lengths` long, for a message sent as its outputs fill (streamed-message.ts): `before[i]` goes
 * just before output i's bytes (the header fields and output 0's tag and length first). With the
 * outputs in between, the bytes equal encodeInferResponse's; `length` is the whole message's.
 */
export function inferResponseFraming(
  response: object,
  lengths: readonly number[],
): { before: Buffer[]; length: number } {
  const header = encodeHeader({ ...(response as WireInferResponse), raw_output_contents: [] });
  let length = header.length;
  const before = lengths.map((n, i) => {
    const piece = Buffer.allocUnsafe((i === 0 ? header.length : 0) + 1 + varintLength(n));
    let at = 0;
    if (i === 0) {
      piece.set(header);
      at = header.length;
    }
    piece[at++] = (RAW_OUTPUT_CONTENTS << 3) | WIRE_LEN;
    writeVarint(piece, at, n);
    length += piece.length - (i === 0 ? header.length : 0) + n;
    return piece;
  });
  return { before, length };
}

/** A ModelInferResponse's bytes; equal to protobufjs's encoding of the same object. */
export function encodeInferResponse(response: object): Buffer {
  return encodeResponse(response as WireInferResponse);
}

/** A ModelStreamInferResponse `{error_message, infer_response}`; equal to protobufjs's encoding. */
export function encodeStreamInferResponse(message: object): Buffer {
  const { error_message: error, infer_response: inner } = message as {
    error_message?: string;
    infer_response?: WireInferResponse | null;
  };
  if (inner === undefined || inner === null) return STREAM_RESPONSE.serialize(message);
  const prefix =
    error != null ? protobuf.Writer.create().uint32(10).string(error).finish() : new Uint8Array(0);
  return encodeResponse(inner, prefix);
}

const REQUEST = messageCodec('inference.ModelInferRequest');
const RESPONSE = messageCodec('inference.ModelInferResponse');
const STREAM_RESPONSE = messageCodec('inference.ModelStreamInferResponse');

/**
 * The GRPCInferenceService definition the router serves: proto-loader's, with this codec on the
 * server side of ModelInfer and ModelStreamInfer. The client side (requestSerialize,
 * responseDeserialize) is proto-loader's, so clients built from the same definition still work.
 * Installs the no-copy response framing on grpc-js's server (server-framing.ts) first.
 */
export function routerInferenceDefinition(): ServiceDefinition {
  installServerFraming();
  const base = loadInferencePackage().service.service;
  return {
    ...base,
    ModelInfer: {
      ...base['ModelInfer']!,
      requestDeserialize: decodeInferRequestOrRefusal,
      responseSerialize: encodeInferResponse,
    },
    ModelStreamInfer: {
      ...base['ModelStreamInfer']!,
      requestDeserialize: decodeInferRequestOrRefusal,
      responseSerialize: encodeStreamInferResponse,
    },
  };
}
