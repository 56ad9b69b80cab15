import { loadInferencePackage } from '../../lib/grpc/protos.js';
import type { Plan, TensorSpecJson } from '../../lib/plan/schema.js';
import { mulberry32 } from '../../lib/random.js';
import { DATATYPES } from '../../lib/tensor/dtype.js';
import { encodeBytes } from '../../lib/tensor/bytes.js';
import { frame } from '../harness/raw-grpc.js';

/**
 * The hostile-input fuzz's cases: a pure function of (seed, index), so a failing case is found
 * again from the two numbers the report prints. Each case is what goes on the wire (framed gRPC
 * messages for one call) and what the answer may be:
 *
 * - `valid`: a request the model runs; must be OK with every output once.
 * - `mutated`, `hostile-name`, `hostile-shape`, `datatype`, `outputs`, `huge`: well-formed
 *   protobuf with bad content; must be refused by the request's fault (INVALID_ARGUMENT,
 *   NOT_FOUND, RESOURCE_EXHAUSTED) or served, never INTERNAL, UNKNOWN or UNAVAILABLE.
 * - `bytes`: random or damaged bytes, lying length prefixes, a compressed flag with no codec; any
 *   status will do, as long as one comes.
 * - `stream`: a ModelStreamInfer of valid, bad and undecodable messages; every message answered
 *   once (`error_message` or a response), then status OK.
 */
export type Family =
  | 'valid'
  | 'mutated'
  | 'hostile-name'
  | 'hostile-shape'
  | 'datatype'
  | 'outputs'
  | 'huge'
  | 'bytes'
  | 'stream';

export interface FuzzCase {
  readonly index: number;
  readonly family: Family;
  readonly method: 'ModelInfer' | 'ModelStreamInfer';
  /** Written in order, a macrotask apart. */
  readonly chunks: readonly Buffer[];
  /** Parseable protobuf in every message: a fault in it is the request's content. */
  readonly wellFormed: boolean;
  /** Every message is a request the model runs. */
  readonly expectOk: boolean;
  /** ModelStreamInfer: messages sent, each of which must get one answer. */
  readonly messages: number;
  /** ModelStreamInfer: ids of the messages that are valid requests, which may meet load. */
  readonly validIds: readonly string[];
  /** What a person reads to see the case: the family and what was done. */
  readonly what: string;
}

/** A model the fuzz aims at, with the sizes its dynamic dims take in valid requests. */
export interface FuzzModel {
  readonly plan: Plan;
  /** Draw weight among models; a model with a 64 MiB output gets little. */
  readonly weight: number;
  /** Size of a -1 dim in a valid request. */
  readonly dynamicDim: (random: () => number, input: string, axis: number) => number;
}

/** How big the rare huge cases get. */
export interface CaseLimits {
  /** Longest client string (a name), for the 1 MiB name of the issue. @default 1 MiB */
  readonly maxStringBytes: number;
  /** Largest raw input in a `huge` case; over the plans' 64 MiB default. @default 65 MiB */
  readonly hugeInputBytes: number;
}

const DEFAULT_LIMITS: CaseLimits = { maxStringBytes: 1 << 20, hugeInputBytes: 65 << 20 };

interface Request {
  model_name: string;
  model_version?: string;
  id?: string;
  parameters?: Record<string, object>;
  inputs: {
    name: string;
    datatype: string;
    shape: number[];
    contents?: Record<string, unknown[]>;
    parameters?: Record<string, object>;
  }[];
  outputs?: { name: string }[];
  raw_input_contents?: Buffer[];
}

type Codec = { serialize(value: object): Buffer };
const codec = (): Codec =>
  loadInferencePackage().packageDefinition['inference.ModelInferRequest'] as unknown as Codec;

const DATATYPE_NAMES = Object.keys(DATATYPES) as (keyof typeof DATATYPES)[];
const CONTENT_FIELDS = [
  'bool_contents',
  'int_contents',
  'int64_contents',
  'uint_contents',
  'uint64_contents',
  'fp32_contents',
  'fp64_contents',
  'bytes_contents',
];

/** Seeded draws for one case. */
class Draw {
  constructor(readonly random: () => number) {}
  int(min: number, max: number): number {
    return min + Math.floor(this.random() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.random() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)]!;
  }
  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = Math.floor(this.random() * 256);
    return b;
  }
}

/** Strings a client might send: short, unicode, control characters, lone surrogates, huge. */
function hostileString(d: Draw, limits: CaseLimits): string {
  switch (d.int(0, 6)) {
    case 0:
      return '';
    case 1:
      return 'n'.repeat(d.int(1, 64));
    case 2:
      return '😀é€\u0301\u202e'.repeat(d.int(1, 40));
    case 3:
      return '\u0000\r\n%\t"\\'.repeat(d.int(1, 30));
    case 4:
      return '\uD800x\uDFFF'.repeat(d.int(1, 50));
    case 5:
      return 'x'.repeat(d.chance(0.2) ? limits.maxStringBytes : d.int(257, 20_000));
    default:
      return d.bytes(d.int(1, 300)).toString('latin1');
  }
}

function hostileDim(d: Draw): number {
  return d.pick([0, -1, -2, 1, 2, 3, 7, 8, 1 << 20, 2 ** 31, 2 ** 40, 2 ** 53, -(2 ** 53), 0xffffffff]);
}

/** A request the model runs: every input at a valid shape, raw or typed contents. */
function validRequest(d: Draw, model: FuzzModel, typed: boolean): Request {
  // A batched model's inputs share the request's batch, their first dim (Triton's rule, which
  // the router enforces); every other dynamic dim is drawn on its own.
  const first = model.plan.inputs[0]!;
  const batch = model.plan.maxBatchSize > 0 ? model.dynamicDim(d.random, first.name, 0) : undefined;
  const inputs = model.plan.inputs.map((spec) => ({
    spec,
    shape: spec.shape.map((dim, axis) =>
      dim >= 0
        ? dim
        : axis === 0 && batch !== undefined
          ? batch
          : model.dynamicDim(d.random, spec.name, axis),
    ),
  }));
  const request: Request = {
    model_name: model.plan.name,
    id: `fuzz-${d.int(0, 1e9)}`,
    inputs: inputs.map(({ spec, shape }) => ({ name: spec.name, datatype: spec.datatype, shape })),
  };
  // BYTES elements are decimal integers, as the BYTES demo model (simple_string) reads them.
  const decimals = (count: number): string[] =>
    Array.from({ length: count }, () => String(d.int(0, 2000) - 1000));
  if (typed) {
    request.inputs.forEach((input, i) => {
      const count = inputs[i]!.shape.reduce((n, x) => n * x, 1);
      input.contents =
        input.datatype === 'BYTES'
          ? { bytes_contents: decimals(count).map((e) => Buffer.from(e)) }
          : { fp32_contents: Array.from({ length: count }, () => d.random() - 0.5) };
    });
  } else {
    request.raw_input_contents = inputs.map(({ spec, shape }) => {
      const count = shape.reduce((n, x) => n * x, 1);
      if (spec.datatype === 'BYTES') return encodeBytes(decimals(count));
      const data = Buffer.alloc(count * DATATYPES[spec.datatype].bytes);
      // Small values keep every datatype finite; the bytes need not mean anything.
      for (let i = 0; i < data.length; i += 4) data[i] = d.int(0, 63);
      return data;
    });
  }
  return request;
}

/** Typed contents for `datatype` in a field chosen by chance, with boundary and junk values. */
function hostileContents(d: Draw, count: number): Record<string, unknown[]> {
  const field = d.pick(CONTENT_FIELDS);
  const values = [0, 1, -1, 255, 256, -129, 2 ** 31, -(2 ** 31) - 1, 2 ** 53, NaN, Infinity, 0.5, 1e39];
  const n = d.chance(0.7) ? count : d.int(0, Math.min(count * 2 + 1, 4096));
  const list = Array.from({ length: Math.min(n, 100_000) }, () => d.pick(values));
  if (field === 'bool_contents') return { [field]: list.map((v) => v !== 0) };
  if (field === 'bytes_contents') return { [field]: list.map(() => d.bytes(d.int(0, 8))) };
  if (field === 'int64_contents' || field === 'uint64_contents')
    return { [field]: list.map((v) => (Number.isFinite(v) ? Math.trunc(v) : 0)) };
  if (field.startsWith('int') || field.startsWith('uint'))
    return { [field]: list.map((v) => (Number.isFinite(v) ? Math.trunc(v) | 0 : 0)) };
  return { [field]: list };
}

function mutate(d: Draw, request: Request, model: FuzzModel, limits: CaseLimits): string {
  if (request.inputs.length === 0) request.inputs.push({ name: 'x', datatype: 'FP32', shape: [1] });
  const input = d.pick(request.inputs);
  switch (d.int(0, 11)) {
    case 0:
      request.model_name = hostileString(d, limits);
      return 'model_name';
    case 1:
      request.model_version = d.pick(['0', '2', '-1', '1e9', hostileString(d, limits)]);
      return 'model_version';
    case 2:
      input.name = hostileString(d, limits);
      return 'input name';
    case 3: {
      request.inputs.push({ ...input });
      const first = request.raw_input_contents?.[0];
      if (first) request.raw_input_contents!.push(first);
      return 'an input twice';
    }
    case 4:
      request.inputs.pop();
      request.raw_input_contents?.pop();
      return 'an input missing';
    case 5:
      input.shape[d.int(0, input.shape.length - 1)] = hostileDim(d);
      return 'a dim';
    case 6:
      if (d.chance(0.5)) input.shape.push(d.int(1, 4));
      else input.shape.pop();
      return 'the rank';
    case 7: {
      const raw = request.raw_input_contents;
      if (!raw || raw.length === 0) return 'nothing (no raw contents)';
      const i = d.int(0, raw.length - 1);
      raw[i] = d.chance(0.5)
        ? raw[i]!.subarray(0, d.int(0, raw[i]!.length))
        : Buffer.concat([raw[i]!, d.bytes(d.int(1, 64))]);
      return 'raw byte size';
    }
    case 8:
      if (d.chance(0.5)) request.raw_input_contents?.push(d.bytes(d.int(0, 32)));
      else request.raw_input_contents = [];
      return 'raw entries';
    case 9:
      request.parameters = { [hostileString(d, limits)]: { string_param: hostileString(d, limits) } };
      input.parameters = { p: { int64_param: d.int(-1e9, 1e9) } };
      return 'parameters';
    case 10:
      request.id = hostileString(d, limits);
      return 'id';
    default:
      request.outputs = [{ name: d.chance(0.5) ? model.plan.outputs[0]!.name : hostileString(d, limits) }];
      return 'outputs';
  }
}

/** The case at `index` of the run seeded `seed`. */
export function fuzzCase(
  seed: number,
  index: number,
  models: readonly FuzzModel[],
  limits: CaseLimits = DEFAULT_LIMITS,
): FuzzCase {
  const d = new Draw(mulberry32((seed * 0x9e3779b1) ^ (index * 0x85ebca6b)));
  const total = models.reduce((n, m) => n + m.weight, 0);
  let r = d.random() * total;
  const model = models.find((m) => (r -= m.weight) < 0) ?? models[0]!;
  const encode = (request: Request): Buffer => codec().serialize(request);
  const unary = (family: Family, request: Request, what: string, expectOk = false): FuzzCase => ({
    index,
    family,
    method: 'ModelInfer',
    chunks: [frame(encode(request))],
    wellFormed: true,
    expectOk,
    messages: 1,
    validIds: [],
    what: `${family} ${model.plan.name}: ${what}`,
  });
  const roll = d.random();
  if (roll < 0.12) return unary('valid', validRequest(d, model, d.chance(0.2)), 'as is', true);
  if (roll < 0.42) {
    const request = validRequest(d, model, d.chance(0.2));
    const what = Array.from({ length: d.int(1, 3) }, () => mutate(d, request, model, limits)).join(', ');
    return unary('mutated', request, what);
  }
  if (roll < 0.5) {
    const request = validRequest(d, model, false);
    const where = d.int(0, 2);
    const name = hostileString(d, limits);
    if (where === 0) request.model_name = name;
    else if (where === 1) request.inputs[0]!.name = name;
    else request.outputs = [{ name }];
    return unary(
      'hostile-name',
      request,
      `${Buffer.byteLength(name)}-byte ${['model', 'input', 'output'][where]} name`,
    );
  }
  if (roll < 0.6) {
    const request = validRequest(d, model, d.chance(0.3));
    const input = request.inputs[0]!;
    const rank = d.chance(0.1) ? d.int(0, 2000) : input.shape.length;
    input.shape = Array.from({ length: rank }, (_, i) =>
      d.chance(0.5) ? hostileDim(d) : (input.shape[i] ?? 1),
    );
    if (request.raw_input_contents && d.chance(0.5)) request.raw_input_contents[0] = Buffer.alloc(0);
    return unary('hostile-shape', request, `shape of rank ${rank}`);
  }
  if (roll < 0.7) {
    const request = validRequest(d, model, false);
    const input = request.inputs[0]!;
    input.datatype = d.pick([...DATATYPE_NAMES, 'BYTES', 'BF16', 'fp32', '', hostileString(d, limits)]);
    if (d.chance(0.6)) {
      delete request.raw_input_contents;
      request.inputs.forEach(
        (i) =>
          (i.contents = hostileContents(
            d,
            i.shape.reduce((n, x) => n * x, 1),
          )),
      );
    }
    return unary('datatype', request, `datatype ${input.datatype.slice(0, 16)}`);
  }
  if (roll < 0.76) {
    const request = validRequest(d, model, false);
    const name = model.plan.outputs[0]!.name;
    const times = d.int(1, 24);
    request.outputs = Array.from({ length: times }, () => ({
      name: d.chance(0.9) ? name : hostileString(d, limits),
    }));
    return unary(
      'outputs',
      request,
      `${times} requested outputs`,
      times === 1 && request.outputs[0]!.name === name,
    );
  }
  if (roll < 0.762) {
    // More input bytes than the plan allows: real bytes for a model with a dynamic dim, else a
    // shape that claims them with none sent.
    const request = validRequest(d, model, false);
    const input = request.inputs[0]!;
    const spec = model.plan.inputs[0]!;
    const dynamic = spec.shape.indexOf(-1);
    // A BYTES element is at least its 4-byte length prefix (zeros: an empty element).
    const width = DATATYPES[spec.datatype].bytes || 4;
    if (dynamic >= 0) {
      const rest = input.shape.reduce((n, x, i) => (i === dynamic ? n : n * x), width);
      input.shape[dynamic] = Math.ceil(limits.hugeInputBytes / rest);
      request.raw_input_contents![0] = Buffer.alloc(input.shape.reduce((n, x) => n * x, width));
    } else {
      input.shape[0] = 2 ** 40;
      request.raw_input_contents![0] = Buffer.alloc(0);
    }
    return unary(
      'huge',
      request,
      `${request.raw_input_contents![0]!.length} raw bytes, shape [${input.shape}]`,
    );
  }
  if (roll < 0.9) return bytesCase(d, index, model, encode);
  return streamCase(d, index, model, limits, encode);
}

function bytesCase(d: Draw, index: number, model: FuzzModel, encode: (r: Request) => Buffer): FuzzCase {
  const valid = encode(validRequest(d, model, false));
  const kind = d.int(0, 6);
  let chunks: Buffer[];
  let what: string;
  if (kind === 0) {
    chunks = [frame(d.bytes(d.int(0, 2048)))];
    what = 'random bytes';
  } else if (kind === 1) {
    const flipped = Buffer.from(valid);
    for (let i = d.int(1, 8); i > 0; i--) {
      const at = d.int(0, flipped.length - 1);
      flipped[at] = flipped[at]! ^ (1 << d.int(0, 7));
    }
    chunks = [frame(flipped)];
    what = 'bit flips of a valid request';
  } else if (kind === 2) {
    chunks = [frame(valid.subarray(0, d.int(0, valid.length - 1)))];
    what = 'a valid request cut short';
  } else if (kind === 3) {
    chunks = [frame(Buffer.concat([valid, d.bytes(d.int(1, 64))]))];
    what = 'a valid request with junk after it';
  } else if (kind === 4) {
    chunks = [frame(valid, { length: valid.length + d.int(1, 1 << 20) })];
    what = 'a length prefix longer than the message';
  } else if (kind === 5) {
    chunks = [frame(valid, { compressed: true })];
    what = 'the compressed flag with no grpc-encoding';
  } else {
    chunks = [frame(valid), frame(valid)];
    what = 'two messages on a unary call';
  }
  return {
    index,
    family: 'bytes',
    method: 'ModelInfer',
    chunks,
    wellFormed: false,
    expectOk: false,
    messages: 1,
    validIds: [],
    what: `bytes ${model.plan.name}: ${what}`,
  };
}

function streamCase(
  d: Draw,
  index: number,
  model: FuzzModel,
  limits: CaseLimits,
  encode: (r: Request) => Buffer,
): FuzzCase {
  const count = d.int(1, 8);
  const kinds: string[] = [];
  const validIds: string[] = [];
  const chunks = Array.from({ length: count }, () => {
    const request = validRequest(d, model, false);
    const kind = d.int(0, 2);
    if (kind === 0) {
      kinds.push('valid');
      validIds.push(request.id!);
      return frame(encode(request));
    }
    if (kind === 1) {
      kinds.push('bad');
      mutate(d, request, model, limits);
      return frame(encode(request));
    }
    kinds.push('undecodable');
    const bytes = encode(request);
    // After a whole message, a field of wire type 7 (none such) or one longer than what is left.
    const tail = d.chance(0.5) ? [0x0f] : [0x3a, 0xff, 0x01];
    return frame(Buffer.concat([bytes, Buffer.from(tail)]));
  });
  return {
    index,
    family: 'stream',
    method: 'ModelStreamInfer',
    chunks,
    wellFormed: true,
    expectOk: kinds.every((k) => k === 'valid'),
    messages: count,
    validIds,
    what: `stream ${model.plan.name}: ${kinds.join(' ')}`,
  };
}

export type { TensorSpecJson };
