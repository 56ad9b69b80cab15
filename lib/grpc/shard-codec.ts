/**
 * A hand-written Protocol Buffers codec for `shard.proto`'s ShardRequest and ShardResponse, the
 * messages of the router–shard hop. It writes each message in one pass into one exact buffer
 * (protobufjs through proto-loader builds an intermediate object tree and copies bytes fields
 * twice) and reads `bytes` fields as views of the received message, so a chunk's data is never
 * copied on the way in; with `installFramePatch` (grpc-frame.ts) grpc-js sends the buffer it writes
 * as it stands, prefix included, instead of copying it once more. Byte-compatible with any protobuf implementation: `shard-codec.test.ts`
 * checks it against protobufjs on the same `.proto`, and the Python stub test against grpcio.
 */
import type {
  ShardRequestKind,
  ShardRequestMessage,
  ShardResponseKind,
  ShardResponseMessage,
  WireChunk,
  WireInferHeader,
  WireInferTrailer,
  WireOutputHeader,
  WireTensorSpec,
} from './shard-messages.js';
import { framedBatch, framedMessage } from './grpc-frame.js';
import { MAX_SHARD_MESSAGE_BYTES } from './shard-messages.js';
import { lenFieldSize, ProtoReader, ProtoWriter, varintSize, WIRE_LEN, WIRE_VARINT } from './proto-wire.js';

const strLen = (s: string): number => Buffer.byteLength(s, 'utf8');
const strField = (s: string): number => (s.length === 0 ? 0 : lenFieldSize(strLen(s)));
const uintField = (n: number): number => (n === 0 ? 0 : 1 + varintSize(n));

function packedShapeLength(shape: readonly number[]): number {
  let n = 0;
  for (const d of shape) n += varintSize(d);
  return n;
}

function specLength(s: WireTensorSpec): number {
  const packed = packedShapeLength(s.shape);
  return (
    strField(s.name) +
    strField(s.datatype) +
    (packed === 0 ? 0 : lenFieldSize(packed)) +
    uintField(s.byte_size ?? 0)
  );
}

function writeSpec(w: ProtoWriter, field: number, s: WireTensorSpec): void {
  w.begin(field, specLength(s));
  w.stringField(1, s.name, strLen(s.name));
  w.stringField(2, s.datatype, strLen(s.datatype));
  const packed = packedShapeLength(s.shape);
  if (packed > 0) {
    w.begin(3, packed);
    for (const d of s.shape) w.varint(d);
  }
  w.uintField(4, s.byte_size ?? 0);
}

const specsLength = (field: readonly WireTensorSpec[]): number =>
  field.reduce((n, s) => n + lenFieldSize(specLength(s)), 0);

function headerLength(h: WireInferHeader): number {
  return (
    strField(h.request_id) +
    strField(h.model) +
    strField(h.version) +
    strField(h.stage) +
    uintField(h.partition) +
    specsLength(h.inputs) +
    uintField(h.timeout_us ?? 0) +
    strField(h.traceparent ?? '') +
    strField(h.tracestate ?? '') +
    chunksLength(h.chunks) +
    (h.whole_answer ? 2 : 0)
  );
}

const chunkLength = (c: WireChunk): number =>
  uintField(c.tensor) + uintField(c.offset) + (c.data.length === 0 ? 0 : lenFieldSize(c.data.length));

function writeChunk(w: ProtoWriter, field: number, c: WireChunk): void {
  w.begin(field, chunkLength(c));
  w.uintField(1, c.tensor);
  w.uintField(2, c.offset);
  if (c.data.length > 0) w.bytesField(3, c.data);
}

/** Chunks carried inside a header (a repeated field: each one is written, empty ones too). */
const chunksLength = (chunks: readonly WireChunk[] | undefined): number =>
  chunks ? chunks.reduce((n, c) => n + lenFieldSize(chunkLength(c)), 0) : 0;

const trailerLength = (t: WireInferTrailer): number =>
  uintField(t.receive_us) + uintField(t.compute_us) + strField(t.instance_id);

function writeTrailer(w: ProtoWriter, field: number, t: WireInferTrailer): void {
  w.begin(field, trailerLength(t));
  w.uintField(1, t.receive_us);
  w.uintField(2, t.compute_us);
  w.stringField(3, t.instance_id, strLen(t.instance_id));
}

function outputHeaderLength(h: WireOutputHeader): number {
  return (
    specsLength(h.outputs) + chunksLength(h.chunks) + (h.trailer ? lenFieldSize(trailerLength(h.trailer)) : 0)
  );
}

function requestBodyLength(m: ShardRequestMessage): number {
  if (m.kind === 'header') return headerLength(m.header);
  if (m.kind === 'chunk') return chunkLength(m.chunk);
  return uintField(m.cancel.code);
}

/** Serializes a ShardRequest (router to shard). */
export function serializeShardRequest(m: ShardRequestMessage): Buffer {
  const body = requestBodyLength(m);
  return writeRequest(framedMessage(messageLength(body, m.call_id)), m, body);
}

/**
 * Serializes a call's ShardRequests as one write (grpc-frame.ts's `framedBatch`), or undefined
 * where they cannot go together (grpc-js is not patched, or together they are larger than one
 * message may be, which grpc-js's client checks the write against): send them one by one then.
 */
export function serializeShardRequests(ms: readonly ShardRequestMessage[]): Buffer | undefined {
  return serializeTogether(ms, requestBodyLength, writeRequest);
}

/** Serializes a call's ShardResponses as one write, as `serializeShardRequests`. */
export function serializeShardResponses(ms: readonly ShardResponseMessage[]): Buffer | undefined {
  return serializeTogether(ms, responseBodyLength, writeResponse);
}

function serializeTogether<M extends { call_id: number }>(
  ms: readonly M[],
  bodyLength: (m: M) => number,
  write: (into: Buffer, m: M, body: number) => void,
): Buffer | undefined {
  const bodies = ms.map(bodyLength);
  const lengths = ms.map((m, i) => messageLength(bodies[i]!, m.call_id));
  if (lengths.reduce((n, l) => n + l, 0) > MAX_SHARD_MESSAGE_BYTES) return undefined;
  const batch = framedBatch(lengths);
  if (!batch) return undefined;
  ms.forEach((m, i) => write(batch.messages[i]!, m, bodies[i]!));
  return batch.frames;
}

/** A message's length: its oneof member (of `body` bytes) and its call id. */
const messageLength = (body: number, callId: number): number => lenFieldSize(body) + uintField(callId);

/** Writes `m`, whose oneof member is `body` bytes long, into `into`, which is exactly its length. */
function writeRequest(into: Buffer, m: ShardRequestMessage, body: number): Buffer {
  const w = new ProtoWriter(into);
  if (m.kind === 'header') {
    const h = m.header;
    w.begin(1, body);
    w.stringField(1, h.request_id, strLen(h.request_id));
    w.stringField(2, h.model, strLen(h.model));
    w.stringField(3, h.version, strLen(h.version));
    w.stringField(4, h.stage, strLen(h.stage));
    w.uintField(5, h.partition);
    for (const s of h.inputs) writeSpec(w, 6, s);
    w.uintField(7, h.timeout_us ?? 0);
    if (h.traceparent) w.stringField(8, h.traceparent, strLen(h.traceparent));
    if (h.tracestate) w.stringField(9, h.tracestate, strLen(h.tracestate));
    for (const c of h.chunks ?? []) writeChunk(w, 10, c);
    if (h.whole_answer) w.uintField(11, 1);
  } else if (m.kind === 'chunk') {
    writeChunk(w, 2, m.chunk);
  } else {
    w.begin(3, body);
    w.uintField(1, m.cancel.code);
  }
  w.uintField(4, m.call_id);
  return w.buf;
}

function responseBodyLength(m: ShardResponseMessage): number {
  if (m.kind === 'header') return outputHeaderLength(m.header);
  if (m.kind === 'chunk') return chunkLength(m.chunk);
  if (m.kind === 'trailer') return trailerLength(m.trailer);
  return uintField(m.error.code) + strField(m.error.message);
}

/** Serializes a ShardResponse (shard to router). */
export function serializeShardResponse(m: ShardResponseMessage): Buffer {
  const body = responseBodyLength(m);
  return writeResponse(framedMessage(messageLength(body, m.call_id)), m, body);
}

/** Writes `m`, whose oneof member is `body` bytes long, into `into`, which is exactly its length. */
function writeResponse(into: Buffer, m: ShardResponseMessage, body: number): Buffer {
  const w = new ProtoWriter(into);
  if (m.kind === 'header') {
    w.begin(1, body);
    for (const s of m.header.outputs) writeSpec(w, 1, s);
    for (const c of m.header.chunks ?? []) writeChunk(w, 2, c);
    if (m.header.trailer) writeTrailer(w, 3, m.header.trailer);
  } else if (m.kind === 'chunk') {
    writeChunk(w, 2, m.chunk);
  } else if (m.kind === 'trailer') {
    writeTrailer(w, 3, m.trailer);
  } else {
    w.begin(4, body);
    w.uintField(1, m.error.code);
    w.stringField(2, m.error.message, strLen(m.error.message));
  }
  w.uintField(5, m.call_id);
  return w.buf;
}

/** Reads the fields of the sub-message at the reader's position, calling `field` for each. */
function readMessage(r: ProtoReader, field: (sub: ProtoReader, n: number, wire: number) => void): void {
  const [start, end] = r.len();
  const sub = new ProtoReader(r.buf, start, end);
  while (!sub.done) {
    const [n, wire] = sub.tag();
    field(sub, n, wire);
  }
}

function readSpec(r: ProtoReader): WireTensorSpec {
  const spec: WireTensorSpec = { name: '', datatype: '', shape: [] };
  readMessage(r, (sub, n, wire) => {
    if (n === 1) spec.name = sub.string();
    else if (n === 2) spec.datatype = sub.string();
    else if (n === 3 && wire === WIRE_LEN) {
      const [start, end] = sub.len();
      const packed = new ProtoReader(sub.buf, start, end);
      while (!packed.done) spec.shape.push(packed.varint());
    } else if (n === 3) spec.shape.push(sub.varint());
    else if (n === 4) spec.byte_size = sub.varint();
    else sub.skip(wire);
  });
  return spec;
}

function readChunk(r: ProtoReader): WireChunk {
  const chunk: WireChunk = { tensor: 0, offset: 0, data: EMPTY };
  readMessage(r, (sub, n, wire) => {
    if (n === 1 && wire === WIRE_VARINT) chunk.tensor = sub.varint();
    else if (n === 2 && wire === WIRE_VARINT) chunk.offset = sub.varint();
    else if (n === 3) chunk.data = sub.bytes();
    else sub.skip(wire);
  });
  return chunk;
}

const EMPTY = Buffer.alloc(0);

function readTrailer(r: ProtoReader): WireInferTrailer {
  const trailer: WireInferTrailer = { receive_us: 0, compute_us: 0, instance_id: '' };
  readMessage(r, (sub, f, w) => {
    if (f === 1 && w === WIRE_VARINT) trailer.receive_us = sub.varint();
    else if (f === 2 && w === WIRE_VARINT) trailer.compute_us = sub.varint();
    else if (f === 3) trailer.instance_id = sub.string();
    else sub.skip(w);
  });
  return trailer;
}

function readHeader(r: ProtoReader): WireInferHeader {
  const h: WireInferHeader = {
    request_id: '',
    model: '',
    version: '',
    stage: '',
    partition: 0,
    inputs: [],
    timeout_us: 0,
    traceparent: '',
    tracestate: '',
  };
  readMessage(r, (sub, n, wire) => {
    if (n === 1) h.request_id = sub.string();
    else if (n === 2) h.model = sub.string();
    else if (n === 3) h.version = sub.string();
    else if (n === 4) h.stage = sub.string();
    else if (n === 5 && wire === WIRE_VARINT) h.partition = sub.varint();
    else if (n === 6) h.inputs.push(readSpec(sub));
    else if (n === 7 && wire === WIRE_VARINT) h.timeout_us = sub.varint();
    else if (n === 8 && wire === WIRE_LEN) h.traceparent = sub.string();
    else if (n === 9 && wire === WIRE_LEN) h.tracestate = sub.string();
    else if (n === 10 && wire === WIRE_LEN) (h.chunks ??= []).push(readChunk(sub));
    else if (n === 11 && wire === WIRE_VARINT) h.whole_answer = sub.varint() !== 0;
    else sub.skip(wire);
  });
  return h;
}

/** Deserializes a ShardRequest; throws a RangeError on a malformed or empty message. */
export function deserializeShardRequest(buf: Buffer): ShardRequestMessage {
  const r = new ProtoReader(buf);
  let callId = 0;
  let kind: ShardRequestKind | undefined;
  while (!r.done) {
    const [n, wire] = r.tag();
    if (n === 4 && wire === WIRE_VARINT) callId = r.varint();
    else if (n === 1 && wire === WIRE_LEN) kind = { kind: 'header', header: readHeader(r) };
    else if (n === 2 && wire === WIRE_LEN) kind = { kind: 'chunk', chunk: readChunk(r) };
    else if (n === 3 && wire === WIRE_LEN) {
      const cancel = { code: 0 };
      readMessage(r, (sub, f, w) => (f === 1 ? (cancel.code = sub.varint()) : sub.skip(w)));
      kind = { kind: 'cancel', cancel };
    } else r.skip(wire);
  }
  if (!kind) throw new RangeError('ShardRequest sets none of header, chunk, cancel');
  return { ...kind, call_id: callId } as ShardRequestMessage;
}

/** Deserializes a ShardResponse; throws a RangeError on a malformed or empty message. */
export function deserializeShardResponse(buf: Buffer): ShardResponseMessage {
  const r = new ProtoReader(buf);
  let callId = 0;
  let kind: ShardResponseKind | undefined;
  while (!r.done) {
    const [n, wire] = r.tag();
    if (n === 5 && wire === WIRE_VARINT) callId = r.varint();
    else if (n === 1 && wire === WIRE_LEN) {
      const header: WireOutputHeader = { outputs: [] };
      readMessage(r, (sub, f, w) => {
        if (f === 1) header.outputs.push(readSpec(sub));
        else if (f === 2 && w === WIRE_LEN) (header.chunks ??= []).push(readChunk(sub));
        else if (f === 3 && w === WIRE_LEN) header.trailer = readTrailer(sub);
        else sub.skip(w);
      });
      kind = { kind: 'header', header };
    } else if (n === 2 && wire === WIRE_LEN) kind = { kind: 'chunk', chunk: readChunk(r) };
    else if (n === 3 && wire === WIRE_LEN) kind = { kind: 'trailer', trailer: readTrailer(r) };
    else if (n === 4 && wire === WIRE_LEN) {
      const error = { code: 0, message: '' };
      readMessage(r, (sub, f, w) => {
        if (f === 1 && w === WIRE_VARINT) error.code = sub.varint();
        else if (f === 2) error.message = sub.string();
        else sub.skip(w);
      });
      kind = { kind: 'error', error };
    } else r.skip(wire);
  }
  if (!kind) throw new RangeError('ShardResponse sets none of header, chunk, trailer, error');
  return { ...kind, call_id: callId } as ShardResponseMessage;
}
