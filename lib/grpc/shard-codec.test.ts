import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import protobuf from 'protobufjs';
import { protoRoot } from './protos.js';
import {
  deserializeShardRequest,
  deserializeShardResponse,
  serializeShardRequest,
  serializeShardRequests,
  serializeShardResponse,
  serializeShardResponses,
} from './shard-codec.js';
import {
  MAX_SHARD_MESSAGE_BYTES,
  type ShardRequestMessage,
  type ShardResponseMessage,
} from './shard-messages.js';
import { writtenMessages } from './grpc-frame.js';

/**
 * The hand-written codec against protobufjs, an independent implementation reading the same
 * `shard.proto`: what one writes the other reads, field for field.
 */
const root = new protobuf.Root().loadSync(path.join(protoRoot(), 'shardmesh/v1/shard.proto'), {
  keepCase: true,
});
const RequestType = root.lookupType('shardmesh.v1.ShardRequest');
const ResponseType = root.lookupType('shardmesh.v1.ShardResponse');
const toObject = (type: protobuf.Type, bytes: Uint8Array): Record<string, unknown> =>
  type.toObject(type.decode(bytes), { longs: Number, defaults: false, bytes: Buffer }) as Record<
    string,
    unknown
  >;

const data = Buffer.from(Array.from({ length: 300 }, (_, i) => i % 251));

const requests: ShardRequestMessage[] = [
  {
    call_id: 1,
    kind: 'header',
    header: {
      request_id: 'req-é',
      model: 'ocr-rec',
      version: '1',
      stage: 'head',
      partition: 3,
      inputs: [
        { name: 'x', datatype: 'FP32', shape: [1, 3, 48, 320] },
        { name: 'big', datatype: 'INT64', shape: [2 ** 40, 0] },
        { name: 'text', datatype: 'BYTES', shape: [2, 16], byte_size: 2 ** 33 + 5 },
      ],
      timeout_us: 29_999_123,
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      tracestate: 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE',
    },
  },
  {
    call_id: 3,
    kind: 'header',
    header: { request_id: 'r', model: 'm', version: '1', stage: 's', partition: 0, inputs: [] },
  },
  {
    call_id: 4,
    kind: 'header',
    header: {
      request_id: 'r',
      model: 'm',
      version: '1',
      stage: 's',
      partition: 1,
      inputs: [{ name: 'x', datatype: 'UINT8', shape: [300] }],
      timeout_us: 5,
      // Inputs sent inside the header, and an answer asked for whole.
      chunks: [
        { tensor: 0, offset: 0, data: data.subarray(0, 100) },
        { tensor: 0, offset: 100, data: data.subarray(100) },
      ],
      whole_answer: true,
    },
  },
  { call_id: 2 ** 33, kind: 'chunk', chunk: { tensor: 1, offset: 2 ** 35 + 7, data } },
  { call_id: 0, kind: 'chunk', chunk: { tensor: 0, offset: 0, data: Buffer.alloc(0) } },
  { call_id: 5, kind: 'cancel', cancel: { code: 4 } },
  { call_id: 6, kind: 'cancel', cancel: { code: 0 } },
];

const responses: ShardResponseMessage[] = [
  {
    call_id: 1,
    kind: 'header',
    header: {
      outputs: [
        { name: 'y', datatype: 'FP16', shape: [1, 120, 6625] },
        { name: 'OUTPUT0', datatype: 'BYTES', shape: [1, 16], byte_size: 95 },
      ],
    },
  },
  { call_id: 1, kind: 'header', header: { outputs: [] } },
  {
    call_id: 7,
    kind: 'header',
    // A whole answer: the header carrying the outputs' chunks and the trailer.
    header: {
      outputs: [{ name: 'y', datatype: 'UINT8', shape: [300] }],
      chunks: [{ tensor: 0, offset: 0, data }],
      trailer: { receive_us: 3, compute_us: 41, instance_id: 'shard-1' },
    },
  },
  { call_id: 300, kind: 'chunk', chunk: { tensor: 0, offset: 128, data } },
  {
    call_id: 2,
    kind: 'trailer',
    trailer: { receive_us: 12, compute_us: 34_567, instance_id: 'shard-0-ab12' },
  },
  { call_id: 3, kind: 'error', error: { code: 14, message: 'shard s is draining; send to another replica' } },
];

/** The protobufjs object form of a message in the codec's form (oneof as its member's name). */
function asProtobufjs(m: ShardRequestMessage | ShardResponseMessage): Record<string, unknown> {
  const { call_id, kind, ...rest } = m as unknown as Record<string, unknown> & {
    call_id: number;
    kind: string;
  };
  const member = JSON.parse(JSON.stringify(rest[kind], (_, v: unknown) => v)) as Record<string, unknown>;
  return { ...(call_id ? { call_id } : {}), [kind]: member };
}

/** Drops proto3 defaults the way protobufjs's toObject({ defaults: false }) leaves them out. */
function withoutDefaults(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return value.length === 0 ? undefined : value;
  if (Array.isArray(value)) return value.length === 0 ? undefined : value.map(withoutDefaults);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const kept = withoutDefaults(v);
      if (kept !== undefined && kept !== 0 && kept !== '') out[k] = kept;
      else if (typeof v === 'object' && v !== null && !Buffer.isBuffer(v) && !Array.isArray(v))
        out[k] = kept ?? {};
    }
    return out;
  }
  return value;
}

void test('requests the codec writes decode in protobufjs to the same fields', () => {
  for (const m of requests) {
    const decoded = toObject(RequestType, serializeShardRequest(m));
    const expected = withoutDefaults({ ...asProtobufjs(m), [m.kind]: (m as never)[m.kind] });
    assert.deepEqual(withoutDefaults(decoded), expected, m.kind);
  }
});

void test('responses the codec writes decode in protobufjs to the same fields', () => {
  for (const m of responses) {
    const decoded = toObject(ResponseType, serializeShardResponse(m));
    const expected = withoutDefaults({ ...asProtobufjs(m), [m.kind]: (m as never)[m.kind] });
    assert.deepEqual(withoutDefaults(decoded), expected, m.kind);
  }
});

void test('what protobufjs writes, the codec reads back as the message it came from', () => {
  for (const m of requests) {
    const bytes = RequestType.encode(
      RequestType.fromObject({ ...asProtobufjs(m), [m.kind]: (m as never)[m.kind] }),
    ).finish();
    const decoded = deserializeShardRequest(Buffer.from(bytes));
    assert.deepEqual(withoutDefaults(decoded), withoutDefaults(m), m.kind);
    assert.equal(decoded.kind, m.kind);
    assert.equal(decoded.call_id, m.call_id);
  }
  for (const m of responses) {
    const bytes = ResponseType.encode(
      ResponseType.fromObject({ ...asProtobufjs(m), [m.kind]: (m as never)[m.kind] }),
    ).finish();
    const decoded = deserializeShardResponse(Buffer.from(bytes));
    assert.deepEqual(withoutDefaults(decoded), withoutDefaults(m), m.kind);
    assert.equal(decoded.kind, m.kind);
  }
});

void test('a negative int64 dim, an unpacked shape and unknown fields read as protobuf defines them', () => {
  const writer = protobuf.Writer.create();
  // header { inputs { name "x" shape -1 (unpacked) shape 8 } field 15: varint 9 } call_id 7
  const spec = protobuf.Writer.create()
    .uint32(10)
    .string('x')
    .uint32(24)
    .int64(-1)
    .uint32(24)
    .int64(8)
    .finish();
  const header = protobuf.Writer.create().uint32(50).bytes(spec).uint32(120).uint32(9).finish();
  const bytes = writer.uint32(10).bytes(header).uint32(32).uint64(7).uint32(122).string('future').finish();
  const m = deserializeShardRequest(Buffer.from(bytes));
  assert.equal(m.call_id, 7);
  assert.ok(m.kind === 'header');
  assert.deepEqual(m.header.inputs[0]!.shape, [-1, 8]);
  const back = toObject(RequestType, serializeShardRequest(m));
  assert.deepEqual((back['header'] as { inputs: { shape: number[] }[] }).inputs[0]!.shape, [-1, 8]);
});

void test("a chunk's data is read as a view of the received message, not a copy", () => {
  const bytes = serializeShardResponse({ call_id: 1, kind: 'chunk', chunk: { tensor: 0, offset: 0, data } });
  const m = deserializeShardResponse(bytes);
  assert.ok(m.kind === 'chunk');
  assert.ok(m.chunk.data.equals(data));
  // Changing a byte of the message changes the chunk read from it.
  const at = bytes.indexOf(data) + 10;
  bytes[at] = bytes[at]! ^ 0xff;
  assert.equal(m.chunk.data[10], data[10]! ^ 0xff, 'the chunk shares the message memory');
});

void test('a message with no member of its oneof, or cut short, is refused', () => {
  assert.throws(() => deserializeShardRequest(Buffer.from([32, 1])), /sets none of header, chunk, cancel/);
  const whole = serializeShardResponse({ call_id: 1, kind: 'chunk', chunk: { tensor: 0, offset: 0, data } });
  assert.throws(() => deserializeShardResponse(whole.subarray(0, 100)), RangeError);
});

void test('a length-delimited field with a negative length is refused, not read backwards forever', () => {
  // Field 2 (the header), wire type 2, length -11 as a 10-byte varint: the whole message, so a
  // reader that took it would jump back to this same tag forever.
  const hostile = Buffer.from([0x12, 0xf5, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
  assert.throws(() => deserializeShardRequest(hostile), RangeError);
  assert.throws(() => deserializeShardResponse(hostile), RangeError);
});

/** gRPC frames back to back, read by their prefixes alone: flag 0, big-endian length, message. */
function framesIn(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length;) {
    assert.equal(bytes[at], 0, 'uncompressed');
    const length = bytes.readUInt32BE(at + 1);
    out.push(bytes.subarray(at + 5, at + 5 + length));
    at += 5 + length;
    assert.ok(at <= bytes.length, 'the last frame ends where the bytes do');
  }
  return out;
}

void test("a call's messages serialized together are their gRPC frames back to back, each as alone", () => {
  const together = serializeShardRequests(requests);
  assert.ok(together, 'serialized together');
  const frames = framesIn(together);
  assert.deepEqual(
    frames.map((f) => toObject(RequestType, f)),
    requests.map((m) => toObject(RequestType, serializeShardRequest(m))),
  );
  assert.deepEqual(writtenMessages(together), frames, 'writtenMessages reads them back');

  const answer = serializeShardResponses(responses);
  assert.ok(answer, 'serialized together');
  assert.deepEqual(
    framesIn(answer).map((f) => toObject(ResponseType, f)),
    responses.map((m) => toObject(ResponseType, serializeShardResponse(m))),
  );
});

void test('messages larger together than one message may be are not put together', () => {
  const big = Buffer.alloc(MAX_SHARD_MESSAGE_BYTES / 2);
  const chunk = (offset: number): ShardRequestMessage => ({
    call_id: 1,
    kind: 'chunk',
    chunk: { tensor: 0, offset, data: big },
  });
  assert.equal(serializeShardRequests([chunk(0), chunk(big.length)]), undefined);
  assert.ok(serializeShardRequests([chunk(0)]), 'one of them alone is');
});
