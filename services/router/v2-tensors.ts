import { bytesPerElement, isDatatype, type Datatype } from '../../lib/tensor/dtype.js';
import { mismatch } from '../../lib/tensor/conform.js';
import { elementOffsets, encodeBytes, firstNonUtf8, LENGTH_PREFIX_BYTES } from '../../lib/tensor/bytes.js';
import { byteSize, elementCount, type Tensor, type TensorSpec } from '../../lib/tensor/tensor.js';
import type { Plan } from '../../lib/plan/schema.js';
import { maxRequestBytes, splitDims } from '../../lib/plan/request-limits.js';
import { invalidArgument } from '../../lib/grpc/service-error.js';
import { list, quote } from '../../lib/grpc/status-text.js';

/** `InferTensorContents` as proto-loader decodes it: one typed list per element family. */
export interface WireContents {
  bool_contents?: boolean[];
  int_contents?: number[];
  int64_contents?: (number | string)[];
  uint_contents?: number[];
  uint64_contents?: (number | string)[];
  fp32_contents?: number[];
  fp64_contents?: number[];
  /** BYTES: one entry per element, as proto-loader decodes `bytes` (a Buffer). */
  bytes_contents?: Uint8Array[];
}

export interface WireInputTensor {
  name: string;
  datatype: string;
  shape: (number | string)[];
  contents?: WireContents | null;
}

/** Which typed list carries each datatype, as the protocol assigns them. */
const CONTENTS_FIELD: Partial<Record<Datatype, keyof WireContents>> = {
  BOOL: 'bool_contents',
  INT8: 'int_contents',
  INT16: 'int_contents',
  INT32: 'int_contents',
  INT64: 'int64_contents',
  UINT8: 'uint_contents',
  UINT16: 'uint_contents',
  UINT32: 'uint_contents',
  UINT64: 'uint64_contents',
  FP32: 'fp32_contents',
  FP64: 'fp64_contents',
  BYTES: 'bytes_contents',
};

function writeElement(buffer: Buffer, datatype: Datatype, i: number, value: unknown): void {
  if (datatype === 'BYTES') throw new TypeError('BYTES elements are not fixed-width; typedData encodes them');
  const at = i * bytesPerElement(datatype);
  switch (datatype) {
    case 'BOOL':
      return void buffer.writeUInt8(value ? 1 : 0, at);
    case 'INT8':
      return void buffer.writeInt8(Number(value), at);
    case 'INT16':
      return void buffer.writeInt16LE(Number(value), at);
    case 'INT32':
      return void buffer.writeInt32LE(Number(value), at);
    case 'INT64':
      return void buffer.writeBigInt64LE(BigInt(value as number | string), at);
    case 'UINT8':
      return void buffer.writeUInt8(Number(value), at);
    case 'UINT16':
      return void buffer.writeUInt16LE(Number(value), at);
    case 'UINT32':
      return void buffer.writeUInt32LE(Number(value), at);
    case 'UINT64':
      return void buffer.writeBigUInt64LE(BigInt(value as number | string), at);
    case 'FP32':
      return void buffer.writeFloatLE(Number(value), at);
    case 'FP64':
      return void buffer.writeDoubleLE(Number(value), at);
    case 'FP16':
      throw invalidArgument('FP16 tensors must travel in raw_input_contents');
  }
}

/**
 * Turns a request's inputs into tensors the plan accepts, or throws INVALID_ARGUMENT naming the
 * tensor: unknown or missing names, datatypes, shapes, and byte sizes are all checked here, so
 * nothing malformed reaches a shard. Shapes the model cannot run are refused too: a dim of 0 (no
 * elements), a batch over `maxBatchSize`, a dim a stage splits that is smaller than its partition
 * count, and inputs past the plan's `maxRequestBytes` (checked before any typed contents are
 * converted). Names and shapes the client sent are quoted cut to MAX_QUOTED_BYTES.
 */
export function decodeInputs(
  plan: Plan,
  inputs: readonly WireInputTensor[],
  raw: readonly Buffer[],
): Map<string, Tensor> {
  if (raw.length > 0) {
    const typed = inputs.find((input) => hasContents(input.contents));
    if (typed)
      throw invalidArgument(
        // Triton's wording (its clients' examples match on it), then what to do.
        `contents field must not be specified when using raw_input_contents for ${quote(typed.name)} for model ${quote(plan.name)}; send one form for all inputs`,
      );
  }
  if (raw.length > 0 && raw.length !== inputs.length) {
    throw invalidArgument(
      `raw_input_contents has ${raw.length} entries for ${inputs.length} inputs; send raw bytes for all inputs or none`,
    );
  }
  const specs = inputs.map((input) => checkSpec(plan, input));
  const names = new Set<string>();
  for (const spec of specs) {
    if (names.has(spec.name)) throw invalidArgument(`input ${quote(spec.name)} is given twice`);
    names.add(spec.name);
  }
  const missing = plan.inputs.filter((d) => !names.has(d.name)).map((d) => d.name);
  if (missing.length > 0)
    throw invalidArgument(
      `input${missing.length > 1 ? 's' : ''} "${missing.join('", "')}" missing for model "${plan.name}"`,
    );
  checkSameBatch(plan, specs);
  // BYTES sizes come from the bytes sent; whether they hold the shape's elements is checked below.
  const total = specs.reduce(
    (n, spec, i) => n + (spec.datatype === 'BYTES' ? sentBytes(raw[i], inputs[i]!.contents) : byteSize(spec)),
    0,
  );
  const limit = maxRequestBytes(plan);
  if (!(total <= limit))
    throw invalidArgument(
      `the inputs hold ${total} bytes; model "${plan.name}" takes at most ${limit} bytes per request (maxRequestBytes)`,
    );
  const tensors = new Map<string, Tensor>();
  specs.forEach((spec, i) => {
    const data = raw.length > 0 ? rawData(spec, raw[i]!) : typedData(spec, inputs[i]!.contents);
    tensors.set(spec.name, { ...spec, data });
  });
  return tensors;
}

/**
 * A model with a batch dim (`maxBatchSize` > 0) takes the request's batch as every input's first
 * dim, so they must agree (Triton's rule): otherwise a stage splitting the batch would hand its
 * partitions unequal slices, and the run would fail on a shard as the server's fault.
 */
function checkSameBatch(plan: Plan, specs: readonly TensorSpec[]): void {
  if (plan.maxBatchSize <= 0) return;
  const first = specs[0];
  const other = specs.find((s) => s.shape[0] !== first?.shape[0]);
  if (first && other)
    throw invalidArgument(
      `input ${quote(other.name)}: batch ${other.shape[0]} does not match input ${quote(first.name)}'s batch ${first.shape[0]}; every input of model "${plan.name}" carries the request's batch as its first dim`,
    );
}

const hasContents = (contents: WireContents | null | undefined): boolean =>
  contents != null && Object.values(contents).some((list) => Array.isArray(list) && list.length > 0);

/** The input's spec, once its name, datatype and shape fit the plan and the model can run it. */
function checkSpec(plan: Plan, input: WireInputTensor): TensorSpec {
  const name = quote(input.name);
  const declared = plan.inputs.find((d) => d.name === input.name);
  if (!declared)
    throw invalidArgument(
      `input ${name} is not an input of model "${plan.name}"; it takes [${plan.inputs.map((d) => d.name)}]`,
    );
  if (!isDatatype(input.datatype))
    throw invalidArgument(`input ${name}: datatype ${quote(input.datatype)} is not supported`);
  const shape = input.shape.map(Number);
  if (shape.some((d) => !Number.isSafeInteger(d) || d < 1))
    throw invalidArgument(
      `input ${name}: shape ${list(input.shape)} must hold positive integers; a tensor without elements cannot run`,
    );
  const why = mismatch({ datatype: input.datatype, shape }, declared);
  if (why) throw invalidArgument(why);
  if (plan.maxBatchSize > 0 && shape[0]! > plan.maxBatchSize)
    throw invalidArgument(
      `input ${name}: batch ${shape[0]} exceeds the model's max_batch_size ${plan.maxBatchSize}`,
    );
  for (const split of splitDims(plan, input.name, shape.length)) {
    if (shape[split.axis]! < split.partitions)
      throw invalidArgument(
        `input ${name}: dim ${split.axis} is ${shape[split.axis]}, but stage "${split.stage}" splits it across ${split.partitions} partitions; it must be at least ${split.partitions}`,
      );
  }
  return { name: input.name, datatype: input.datatype, shape };
}

/** A BYTES input's size as sent: its raw bytes, or its typed elements with their length prefixes. */
function sentBytes(raw: Buffer | undefined, contents: WireContents | null | undefined): number {
  if (raw) return raw.length;
  return (contents?.bytes_contents ?? []).reduce((n, e) => n + LENGTH_PREFIX_BYTES + e.length, 0);
}

/**
 * `data` when every BYTES element is UTF-8 text; INVALID_ARGUMENT naming the first that is not,
 * rather than a model silently seeing U+FFFD where the bytes were (services/shard/ort-runner.ts).
 */
function utf8Only(spec: TensorSpec, data: Buffer, offsets: readonly number[]): Buffer {
  const bad = firstNonUtf8(data, offsets);
  if (bad >= 0)
    throw invalidArgument(
      `input ${quote(spec.name)}: BYTES element ${bad} is not UTF-8 text; models take BYTES as ONNX string tensors, which shardmesh fills with UTF-8 text only`,
    );
  return data;
}

function rawData(spec: TensorSpec, data: Buffer): Buffer {
  if (spec.datatype === 'BYTES') {
    // The size does not follow from the shape: the length prefixes must add up to the shape's elements.
    const problem = elementOffsets(data, elementCount(spec.shape));
    if (typeof problem === 'string')
      throw invalidArgument(
        `input ${quote(spec.name)}: raw_input_contents is not ${elementCount(spec.shape)} BYTES elements of shape [${spec.shape}] (each a 4-byte little-endian length, then that many bytes): ${problem}`,
      );
    return utf8Only(spec, data, problem);
  }
  const expected = byteSize(spec);
  if (data.length !== expected) {
    throw invalidArgument(
      `input ${quote(spec.name)}: raw_input_contents has ${data.length} bytes, but shape [${spec.shape}] of ${spec.datatype} needs ${expected}`,
    );
  }
  return data;
}

function typedData(spec: TensorSpec, contents: WireContents | null | undefined): Buffer {
  const field = CONTENTS_FIELD[spec.datatype];
  if (!field)
    throw invalidArgument(
      `input ${quote(spec.name)}: ${spec.datatype} has no typed contents; send it in raw_input_contents`,
    );
  const values = (field && (contents?.[field] as unknown[] | undefined)) ?? [];
  const count = elementCount(spec.shape);
  if (values.length !== count) {
    throw invalidArgument(
      `input ${quote(spec.name)}: contents.${field ?? 'raw'} has ${values.length} elements, but shape [${spec.shape}] needs ${count}`,
    );
  }
  if (spec.datatype === 'BYTES') {
    const data = encodeBytes(values as Uint8Array[]);
    return utf8Only(spec, data, elementOffsets(data, count) as number[]);
  }
  const data = Buffer.alloc(byteSize(spec));
  values.forEach((v, j) => {
    try {
      writeElement(data, spec.datatype, j, v);
    } catch {
      // Node's writers throw RangeError (and BigInt SyntaxError) for values the type cannot hold.
      throw invalidArgument(
        `input ${quote(spec.name)}: contents.${field} element ${j} (${quote(String(v))}) is not a valid ${spec.datatype}`,
      );
    }
  });
  return data;
}
