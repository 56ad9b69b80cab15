import { endianness } from 'node:os';
import { decodeBytesElements, encodeBytesElements } from './bytes-tensor.js';
import {
  ARRAY_OF,
  datatypeOf,
  elementCount,
  isDataType,
  type DataType,
  type NumericArray,
  type NumericDataType,
  type Tensor,
} from './datatypes.js';
import { ShardmeshError, Status } from './shardmesh-error.js';

/**
 * An input tensor as a caller writes it. `datatype` may be left out where the array says it:
 * Float32Array is FP32, Int32Array INT32, BigInt64Array INT64, Uint8Array UINT8, Uint16Array
 * UINT16, an array of strings or Uint8Arrays BYTES, and so on; BOOL (Uint8Array of 0/1), FP16 and
 * BF16 (Uint16Array of raw bit patterns) must be named.
 */
export interface TensorInput {
  readonly datatype?: DataType;
  /** Row-major dimensions; the element count of `data` must equal their product. */
  readonly shape: readonly number[];
  readonly data: NumericArray | readonly (string | Uint8Array)[];
}

/** What one input becomes on the wire: its `inputs[]` entry and its `raw_input_contents` bytes. */
export interface EncodedInput {
  readonly spec: { name: string; datatype: DataType; shape: number[] };
  readonly raw: Buffer;
}

/** The wire's raw layout is little-endian; typed arrays use the host's order. */
const LITTLE_ENDIAN_HOST = endianness() === 'LE';

const invalid = (message: string): ShardmeshError => new ShardmeshError(Status.INVALID_ARGUMENT, message);

/** `input` checked and laid out as raw contents; throws INVALID_ARGUMENT naming the input. */
export function encodeInput(name: string, input: TensorInput): EncodedInput {
  const where = `input "${name}"`;
  const datatype = input.datatype ?? datatypeOf(input.data);
  if (datatype === undefined || !isDataType(datatype))
    throw invalid(`${where}: datatype ${String(input.datatype)} is not an Open Inference Protocol datatype`);
  const shape = [...input.shape];
  if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0))
    throw invalid(`${where}: shape [${shape.join(',')}] must hold whole numbers of 0 or more`);
  const count = elementCount(shape);
  const spec = { name, datatype, shape };
  if (datatype === 'BYTES') {
    if (!Array.isArray(input.data))
      throw invalid(`${where}: a BYTES tensor's data is an array of strings or Uint8Arrays`);
    const elements = input.data as readonly (string | Uint8Array)[];
    if (elements.length !== count)
      throw invalid(`${where}: ${elements.length} elements where shape [${shape.join(',')}] needs ${count}`);
    return { spec, raw: encodeBytesElements(elements) };
  }
  const Ctor = ARRAY_OF[datatype];
  const data = input.data;
  if (!(data instanceof Ctor))
    throw invalid(`${where}: a ${datatype} tensor's data is a ${Ctor.name}, not ${describe(data)}`);
  if (data.length !== count)
    throw invalid(`${where}: ${data.length} elements where shape [${shape.join(',')}] needs ${count}`);
  if (!LITTLE_ENDIAN_HOST && Ctor.BYTES_PER_ELEMENT > 1)
    throw invalid(`${where}: this client sends raw tensors from little-endian hosts only`);
  return { spec, raw: Buffer.from(data.buffer, data.byteOffset, data.byteLength) };
}

function describe(data: unknown): string {
  if (Array.isArray(data)) return 'an array';
  return (data as object | null)?.constructor?.name ?? typeof data;
}

/** An output's `outputs[]` entry as proto-loader decodes it (int64 as decimal strings). */
export interface OutputSpec {
  readonly name: string;
  readonly datatype: string;
  readonly shape: readonly (string | number)[];
  readonly contents?: TypedContents | null;
}

/** InferTensorContents as proto-loader decodes it (int64 and uint64 as decimal strings). */
export interface TypedContents {
  readonly bool_contents?: readonly boolean[];
  readonly int_contents?: readonly number[];
  readonly int64_contents?: readonly (string | number)[];
  readonly uint_contents?: readonly number[];
  readonly uint64_contents?: readonly (string | number)[];
  readonly fp32_contents?: readonly number[];
  readonly fp64_contents?: readonly number[];
  readonly bytes_contents?: readonly Uint8Array[];
}

const internal = (message: string): ShardmeshError => new ShardmeshError(Status.INTERNAL, message);

/**
 * One output decoded: from `raw` when the server sent raw contents (shardmesh and Triton always
 * do), else from the typed `contents`. Aligned raw bytes are viewed in place, not copied. Throws
 * INTERNAL naming the output when the bytes do not match its datatype and shape.
 */
export function decodeOutput(spec: OutputSpec, raw: Uint8Array | undefined): Tensor {
  const where = `output "${spec.name}"`;
  if (!isDataType(spec.datatype)) throw internal(`${where}: unknown datatype ${spec.datatype}`);
  const datatype = spec.datatype;
  const shape = spec.shape.map(Number);
  const count = elementCount(shape);
  if (raw === undefined) return decodeTyped(where, datatype, shape, count, spec.contents ?? {});
  if (datatype === 'BYTES') {
    try {
      return { datatype, shape, data: decodeBytesElements(raw, count) };
    } catch (error) {
      throw new ShardmeshError(Status.INTERNAL, `${where}: ${(error as Error).message}`, { cause: error });
    }
  }
  const Ctor = ARRAY_OF[datatype];
  const size = Ctor.BYTES_PER_ELEMENT;
  if (raw.byteLength !== count * size)
    throw internal(
      `${where}: ${raw.byteLength} bytes where ${datatype} [${shape.join(',')}] needs ${count * size}`,
    );
  // A typed array must start at a multiple of its element size; gRPC's buffers need not.
  const bytes = raw.byteOffset % size === 0 ? raw : Uint8Array.prototype.slice.call(raw);
  return { datatype, shape, data: new Ctor(bytes.buffer, bytes.byteOffset, count) } as Tensor;
}

function decodeTyped(
  where: string,
  datatype: DataType,
  shape: number[],
  count: number,
  c: TypedContents,
): Tensor {
  const check = (n: number): void => {
    if (n !== count)
      throw internal(`${where}: ${n} typed elements where shape [${shape.join(',')}] needs ${count}`);
  };
  const numeric = (values: readonly (number | string | boolean)[] | undefined): Tensor => {
    const list = values ?? [];
    check(list.length);
    const Ctor = ARRAY_OF[datatype as NumericDataType];
    const out = new Ctor(count);
    const big = out instanceof BigInt64Array || out instanceof BigUint64Array;
    for (let i = 0; i < count; i++) out[i] = big ? BigInt(list[i] as string) : Number(list[i]);
    return { datatype, shape, data: out } as Tensor;
  };
  switch (datatype) {
    case 'BOOL':
      return numeric(c.bool_contents);
    case 'INT8':
    case 'INT16':
    case 'INT32':
      return numeric(c.int_contents);
    case 'INT64':
      return numeric(c.int64_contents);
    case 'UINT8':
    case 'UINT16':
    case 'UINT32':
      return numeric(c.uint_contents);
    case 'UINT64':
      return numeric(c.uint64_contents);
    case 'FP32':
      return numeric(c.fp32_contents);
    case 'FP64':
      return numeric(c.fp64_contents);
    case 'BYTES': {
      const list = c.bytes_contents ?? [];
      check(list.length);
      return { datatype, shape, data: [...list] };
    }
    default:
      throw internal(`${where}: ${datatype} has no typed contents and the server sent no raw contents`);
  }
}
