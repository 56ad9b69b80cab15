import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import protobuf from 'protobufjs';
import { allocateOutput, HEADROOM_MIN_BYTES } from '../tensor/output-buffers.js';
import { loadInferencePackage } from './protos.js';
import {
  decodeInferRequest,
  decodeInferRequestOrRefusal,
  undecodable,
  encodeInferResponse,
  encodeStreamInferResponse,
  routerInferenceDefinition,
} from './v2-codec.js';

type Codec = { serialize(v: object): Buffer; deserialize(b: Buffer): Record<string, unknown> };
const reference = (type: string): Codec =>
  loadInferencePackage().packageDefinition[`inference.${type}`] as unknown as Codec;
const REQUEST = reference('ModelInferRequest');
const RESPONSE = reference('ModelInferResponse');
const STREAM = reference('ModelStreamInferResponse');

/** mulberry32: a seeded generator, so a failing case can be replayed by its seed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generators(rand: () => number) {
  const int = (n: number): number => Math.floor(rand() * n);
  const maybe = <T>(value: () => T): T | undefined => (rand() < 0.3 ? undefined : value());
  const text = (): string => ['', 'x', 'input_0', 'Ünïcødé ✓', 'a'.repeat(200)][int(5)]!;
  const bytes = (): Buffer => Buffer.from(Array.from({ length: [0, 1, 7, 300][int(4)]! }, () => int(256)));
  const shape = (): number[] => Array.from({ length: int(4) }, () => [0, 1, 4096, 2 ** 40, -1][int(5)]!);
  const parameter = (): object =>
    [{ bool_param: rand() < 0.5 }, { int64_param: int(1e6) - 5e5 }, { string_param: text() }][int(3)]!;
  const parameters = (): Record<string, object> | undefined =>
    maybe(() => Object.fromEntries(Array.from({ length: int(3) }, (_, i) => [`p${i}`, parameter()])));
  const contents = (): object | undefined =>
    rand() < 0.7 ? undefined : { fp32_contents: [0.5, -2, 3.25].slice(0, int(4)), int64_contents: [int(9)] };
  return { int, maybe, text, bytes, shape, parameters, contents };
}

function randomRequest(seed: number): object {
  const g = generators(random(seed));
  const n = g.int(4);
  return {
    model_name: g.maybe(g.text),
    model_version: g.maybe(g.text),
    id: g.maybe(g.text),
    parameters: g.parameters(),
    inputs: Array.from({ length: n }, () => ({
      name: g.maybe(g.text),
      datatype: g.maybe(() => 'FP32'),
      shape: g.maybe(g.shape),
      parameters: g.parameters(),
      contents: g.contents(),
    })),
    outputs: Array.from({ length: g.int(3) }, () => ({ name: g.text(), parameters: g.parameters() })),
    raw_input_contents: g.maybe(() => Array.from({ length: n }, g.bytes)),
  };
}

function randomResponse(seed: number, plainOnly = false): Record<string, unknown> {
  const g = generators(random(seed));
  const n = g.int(4);
  return {
    model_name: g.maybe(g.text),
    model_version: g.maybe(g.text),
    id: g.maybe(g.text),
    ...(plainOnly ? {} : { parameters: g.parameters() }),
    outputs: Array.from({ length: n }, () => ({
      name: g.maybe(g.text),
      datatype: g.maybe(() => 'INT64'),
      shape: g.maybe(g.shape),
      ...(plainOnly ? {} : { parameters: g.parameters(), contents: g.contents() }),
    })),
    raw_output_contents: g.maybe(() => Array.from({ length: n }, g.bytes)),
  };
}

/** An unknown field (number 1000+, any wire type), which decoders must skip. */
function unknownField(seed: number): Buffer {
  const w = protobuf.Writer.create();
  const field = 1000 + (seed % 50);
  switch (seed % 3) {
    case 0:
      return Buffer.from(
        w
          .uint32((field << 3) | 0)
          .uint64(seed * 7919)
          .finish(),
      );
    case 1:
      return Buffer.from(
        w
          .uint32((field << 3) | 2)
          .bytes(Buffer.alloc(seed % 20, 9))
          .finish(),
      );
    default:
      return Buffer.from(
        w
          .uint32((field << 3) | 5)
          .fixed32(seed)
          .finish(),
      );
  }
}

/** The same message with its top-level fields in a shuffled order (decoders accept any order). */
function shuffleFields(bytes: Buffer, seed: number): Buffer {
  const reader = protobuf.Reader.create(bytes);
  const fields: Buffer[] = [];
  while (reader.pos < reader.len) {
    const start = reader.pos;
    reader.skipType(reader.uint32() & 7);
    fields.push(bytes.subarray(start, reader.pos));
  }
  const rand = random(seed);
  // Keep repeated fields' relative order: sort by a random key per field number.
  const key = new Map<number, number>();
  const number = (f: Buffer): number => protobuf.Reader.create(f).uint32() >>> 3;
  for (const f of fields) if (!key.has(number(f))) key.set(number(f), rand());
  return Buffer.concat(
    fields
      .map((f, i) => ({ f, i }))
      .sort((a, b) => key.get(number(a.f))! - key.get(number(b.f))! || a.i - b.i)
      .map((x) => x.f),
  );
}

void describe('decodeInferRequest', () => {
  test('equals protobufjs on random requests, shuffled and with unknown fields', () => {
    for (let seed = 1; seed <= 400; seed++) {
      let bytes = REQUEST.serialize(randomRequest(seed));
      if (seed % 2 === 0) bytes = Buffer.concat([unknownField(seed), bytes, unknownField(seed + 1)]);
      if (seed % 3 === 0) bytes = shuffleFields(bytes, seed);
      assert.deepEqual(decodeInferRequest(bytes), REQUEST.deserialize(bytes), `seed ${seed}`);
    }
  });

  test('raw_input_contents are views of the received buffer, not copies', () => {
    const raw = [Buffer.alloc(4096, 1), Buffer.alloc(8, 2)];
    const bytes = REQUEST.serialize({
      model_name: 'm',
      inputs: [{ name: 'a' }, { name: 'b' }],
      raw_input_contents: raw,
    });
    const decoded = decodeInferRequest(bytes)['raw_input_contents'] as Buffer[];
    assert.deepEqual(decoded, raw);
    for (const r of decoded) assert.equal(r.buffer, bytes.buffer);
  });

  test('an empty message decodes to the defaults', () => {
    assert.deepEqual(decodeInferRequest(Buffer.alloc(0)), REQUEST.deserialize(Buffer.alloc(0)));
  });

  test('a raw entry longer than the message is refused', () => {
    const bytes = Buffer.from(protobuf.Writer.create().uint32(58).uint32(100).finish());
    assert.throws(() => decodeInferRequest(Buffer.concat([bytes, Buffer.alloc(10)])), RangeError);
  });

  test("the server's deserializer hands undecodable bytes on as a refusal, never throws", () => {
    const good = REQUEST.serialize({ model_name: 'm', id: '7' });
    assert.equal(undecodable(decodeInferRequestOrRefusal(good)), undefined);
    assert.equal(decodeInferRequestOrRefusal(good)['id'], '7');
    for (const bad of [Buffer.from([58, 100, 1]), Buffer.from([0x0f, 1, 2]), Buffer.from([10, 0xff])]) {
      const refused = decodeInferRequestOrRefusal(bad);
      assert.equal(typeof undecodable(refused), 'string', bad.toString('hex'));
    }
  });
});

void describe('encodeInferResponse', () => {
  test('writes the bytes protobufjs writes, on random responses', () => {
    for (let seed = 1; seed <= 400; seed++) {
      const response = randomResponse(seed, seed % 2 === 0);
      const ours = encodeInferResponse(response);
      assert.deepEqual(ours, RESPONSE.serialize(response), `seed ${seed}`);
      assert.deepEqual(RESPONSE.deserialize(ours), RESPONSE.deserialize(RESPONSE.serialize(response)));
    }
  });

  test('a stream response wraps the same bytes, with or without an error message', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const inner = randomResponse(seed, seed % 2 === 0);
      for (const message of [
        { error_message: '', infer_response: inner },
        { error_message: 'NOT_FOUND: no such model', infer_response: inner },
        { infer_response: inner },
        { error_message: 'only an error' },
      ]) {
        assert.deepEqual(encodeStreamInferResponse(message), STREAM.serialize(message), `seed ${seed}`);
      }
    }
  });

  test('one large output with headroom is not copied: the message ends in its very bytes', () => {
    const tensor = allocateOutput(HEADROOM_MIN_BYTES * 2);
    tensor.fill(7);
    const response = {
      model_name: 'outer',
      model_version: '1',
      id: 'r1',
      outputs: [{ name: 'y', datatype: 'FP32', shape: [128, 256] }],
      raw_output_contents: [tensor],
    };
    const ours = encodeInferResponse(response);
    assert.deepEqual(ours, RESPONSE.serialize(response));
    assert.equal(ours.buffer, tensor.buffer);
    assert.equal(ours.byteOffset + ours.length, tensor.byteOffset + tensor.length);
    const streamed = encodeStreamInferResponse({ error_message: '', infer_response: response });
    assert.deepEqual(streamed, STREAM.serialize({ error_message: '', infer_response: response }));
    assert.equal(streamed.buffer, tensor.buffer);
    assert.ok(
      tensor.every((b) => b === 7),
      'the tensor itself is untouched',
    );
  });

  test('an output from allocateOutput is released once its bytes are copied or written', () => {
    const size = HEADROOM_MIN_BYTES * 3;
    const response = (t: Buffer): object => ({ outputs: [{ name: 'y' }], raw_output_contents: [t] });
    // Zero-copy path: the bytes go out as they are, so only the framing's afterWrite releases them.
    const tensor = allocateOutput(size).fill(3);
    encodeInferResponse(response(tensor));
    assert.notEqual(allocateOutput(size), tensor, 'in use until grpc-js has written it');
    // Copy path (two outputs): released at once, and the message holds the bytes.
    const [a, b] = [allocateOutput(size).fill(1), allocateOutput(size).fill(2)];
    const two = { outputs: [{ name: 'a' }, { name: 'b' }], raw_output_contents: [a, b] };
    const expected = RESPONSE.serialize(two);
    const ours = encodeInferResponse(two);
    assert.equal(allocateOutput(size), b);
    assert.equal(allocateOutput(size), a);
    assert.deepEqual(ours, expected);
  });

  test('a buffer without registered headroom is copied, never written in front of', () => {
    const backing = Buffer.alloc(HEADROOM_MIN_BYTES * 2 + 1024, 5);
    const tensor = backing.subarray(1024);
    const ours = encodeInferResponse({ outputs: [{ name: 'y' }], raw_output_contents: [tensor] });
    assert.notEqual(ours.buffer, backing.buffer);
    assert.ok(backing.every((b) => b === 5));
  });
});

void test('the router definition keeps proto-loader on the client side', () => {
  const base = loadInferencePackage().service.service;
  const ours = routerInferenceDefinition();
  assert.deepEqual(Object.keys(ours), Object.keys(base));
  for (const name of ['ModelInfer', 'ModelStreamInfer']) {
    assert.equal(ours[name]!.requestSerialize, base[name]!.requestSerialize);
    assert.equal(ours[name]!.responseDeserialize, base[name]!.responseDeserialize);
    assert.equal(ours[name]!.path, base[name]!.path);
    assert.equal(ours[name]!.requestDeserialize, decodeInferRequestOrRefusal);
  }
  assert.equal(ours['ModelInfer']!.responseSerialize, encodeInferResponse);
  assert.equal(ours['ModelStreamInfer']!.responseSerialize, encodeStreamInferResponse);
});
