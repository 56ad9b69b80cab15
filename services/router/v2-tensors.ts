import { bytesPerElement, isDatatype, type Datatype } from '../../lib/tensor/dtype.js';
import { mismatch } from '../../lib/tensor/conform.js';
import { byteSize, elementCount, type Tensor } from '../../lib/tensor/tensor.js';
import type { Plan } from '../../lib/plan/schema.js';
import { invalidArgument } from '../../lib/grpc/service-error.js';

/** `InferTensorContents` as proto-loader decodes it: one typed list per element family. */
export interface WireContents {
  bool_contents?: boolean[];
  int_contents?: number[];
  int64_contents?: (number | string)[];
  uint_contents?: number[];
  uint64_contents?: (number | string)[];
  fp32_contents?: number[];
  fp64_contents?: number[];
}

export interface WireInputTensor {
  name: string;
  datatype: string;
  shape: (number | string)[];
  contents?: WireContents | null;
}

export interface WireOutputTensor {
  name: string;
  datatype: string;
  shape: number[];
  contents?: WireContents;
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
};

function writeElement(buffer: Buffer, datatype: Datatype, i: number, value: unknown): void {
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

function readElement(buffer: Buffer, datatype: Datatype, i: number): number | boolean | string {
  const at = i * bytesPerElement(datatype);
  switch (datatype) {
    case 'BOOL':
      return buffer.readUInt8(at) !== 0;
    case 'INT8':
      return buffer.readInt8(at);
    case 'INT16':
      return buffer.readInt16LE(at);
    case 'INT32':
      return buffer.readInt32LE(at);
    case 'INT64':
      return buffer.readBigInt64LE(at).toString();
    case 'UINT8':
      return buffer.readUInt8(at);
    case 'UINT16':
      return buffer.readUInt16LE(at);
    case 'UINT32':
      return buffer.readUInt32LE(at);
    case 'UINT64':
      return buffer.readBigUInt64LE(at).toString();
    case 'FP32':
      return buffer.readFloatLE(at);
    case 'FP64':
      return buffer.readDoubleLE(at);
    case 'FP16':
      throw new TypeError('FP16 has no typed contents');
  }
}

/**
 * Turns a request's inputs into tensors the plan accepts, or throws INVALID_ARGUMENT naming the
 * tensor: unknown or missing names, datatypes, shapes, and byte sizes are all checked here, so
 * nothing malformed reaches a shard.
 */
export function decodeInputs(
  plan: Plan,
  inputs: readonly WireInputTensor[],
  raw: readonly Buffer[],
): Map<string, Tensor> {
  if (raw.length > 0 && raw.length !== inputs.length) {
    throw invalidArgument(
      `raw_input_contents has ${raw.length} entries for ${inputs.length} inputs; send raw bytes for all inputs or none`,
    );
  }
  const tensors = new Map<string, Tensor>();
  inputs.forEach((input, i) => {
    const declared = plan.inputs.find((d) => d.name === input.name);
    if (!declared)
      throw invalidArgument(
        `input "${input.name}" is not an input of model "${plan.name}"; it takes [${plan.inputs.map((d) => d.name)}]`,
      );
    if (tensors.has(input.name)) throw invalidArgument(`input "${input.name}" is given twice`);
    if (!isDatatype(input.datatype))
      throw invalidArgument(`input "${input.name}": datatype "${input.datatype}" is not supported`);
    const shape = input.shape.map(Number);
    if (shape.some((d) => !Number.isSafeInteger(d) || d < 0))
      throw invalidArgument(`input "${input.name}": shape [${input.shape}] must hold non-negative integers`);
    const why = mismatch({ datatype: input.datatype, shape }, declared);
    if (why) throw invalidArgument(why);
    const spec = { name: input.name, datatype: input.datatype, shape };
    const expected = byteSize(spec);
    let data: Buffer;
    if (raw.length > 0) {
      data = raw[i]!;
      if (data.length !== expected) {
        throw invalidArgument(
          `input "${input.name}": raw_input_contents has ${data.length} bytes, but shape [${shape}] of ${input.datatype} needs ${expected}`,
        );
      }
    } else {
      const field = CONTENTS_FIELD[input.datatype];
      const values = (field && (input.contents?.[field] as unknown[] | undefined)) ?? [];
      const count = elementCount(shape);
      if (values.length !== count) {
        throw invalidArgument(
          `input "${input.name}": contents.${field ?? 'raw'} has ${values.length} elements, but shape [${shape}] needs ${count}`,
        );
      }
      data = Buffer.alloc(expected);
      values.forEach((v, j) => {
        try {
          writeElement(data, input.datatype as Datatype, j, v);
        } catch {
          // Node's writers throw RangeError (and BigInt SyntaxError) for values the type cannot hold.
          throw invalidArgument(
            `input "${input.name}": contents.${field} element ${j} (${String(v)}) is not a valid ${input.datatype}`,
          );
        }
      });
    }
    tensors.set(input.name, { ...spec, data });
  });
  const missing = plan.inputs.filter((d) => !tensors.has(d.name)).map((d) => d.name);
  if (missing.length > 0)
    throw invalidArgument(
      `input${missing.length > 1 ? 's' : ''} "${missing.join('", "')}" missing for model "${plan.name}"`,
    );
  if (plan.maxBatchSize > 0) {
    for (const t of tensors.values()) {
      if ((t.shape[0] ?? 0) > plan.maxBatchSize)
        throw invalidArgument(
          `input "${t.name}": batch ${t.shape[0]} exceeds the model's max_batch_size ${plan.maxBatchSize}`,
        );
    }
  }
  return tensors;
}

/** Typed contents for a response, used when the client sent typed contents (grpcurl, JSON users). */
export function encodeContents(tensor: Tensor): WireContents {
  const field = CONTENTS_FIELD[tensor.datatype];
  if (!field) throw new TypeError(`${tensor.datatype} has no typed contents`);
  const values = Array.from({ length: elementCount(tensor.shape) }, (_, i) =>
    readElement(tensor.data, tensor.datatype, i),
  );
  return { [field]: values };
}
