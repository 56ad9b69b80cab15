import path from 'node:path';
import * as ort from 'onnxruntime-node';
import type { Plan } from '../lib/plan/schema.js';
import type { LoadedPlan } from '../lib/plan/repository.js';
import { DATATYPES, datatypeFromOrt } from '../lib/tensor/dtype.js';
import { concatTensors, sumTensors } from '../lib/tensor/merge.js';
import { splitTensor } from '../lib/tensor/scatter.js';
import type { Tensor } from '../lib/tensor/tensor.js';
import { encodeModel, type ModelProto } from './onnx-graph.js';
import type { PartitionedModel } from './partitioned-model.js';

/**
 * In-process reference execution, to check a split against the unsplit model: runs models with
 * onnxruntime-node and plans stage by stage with the router's scatter and merge kernels.
 */

/**
 * The session options verification uses. They match the shard's OrtRunner (one intra-op thread,
 * sequential, ORT's default graph optimisation level 'all'); a split's bitwise guarantees are
 * checked under these options, so the shard must keep using the same.
 */
export const SESSION_OPTIONS: ort.InferenceSession.SessionOptions = {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
};

export type ModelSource = string | Uint8Array | ModelProto;

type OrtData = ort.Tensor['data'];
const ARRAYS = {
  FP32: Float32Array,
  FP64: Float64Array,
  INT64: BigInt64Array,
  UINT64: BigUint64Array,
  INT32: Int32Array,
  UINT32: Uint32Array,
  INT16: Int16Array,
  UINT16: Uint16Array,
  FP16: Uint16Array,
  INT8: Int8Array,
  UINT8: Uint8Array,
  BOOL: Uint8Array,
} as const;

function toOrt(tensor: Tensor): ort.Tensor {
  const width = DATATYPES[tensor.datatype].bytes;
  // Typed arrays need aligned offsets; an unaligned buffer is copied.
  const bytes = tensor.data.byteOffset % width === 0 ? tensor.data : Buffer.from(tensor.data);
  const data = new ARRAYS[tensor.datatype](
    bytes.buffer as ArrayBuffer,
    bytes.byteOffset,
    bytes.byteLength / width,
  );
  return new ort.Tensor(DATATYPES[tensor.datatype].ort as ort.Tensor.Type, data as never, [...tensor.shape]);
}

function fromOrt(name: string, value: ort.Tensor): Tensor {
  const data = value.data as OrtData & ArrayBufferView;
  return {
    name,
    datatype: datatypeFromOrt(value.type),
    shape: value.dims.map(Number),
    data: Buffer.from(data.buffer, data.byteOffset, data.byteLength),
  };
}

async function open(
  source: ModelSource,
  options: ort.InferenceSession.SessionOptions,
): Promise<ort.InferenceSession> {
  if (typeof source === 'string') return ort.InferenceSession.create(source, options);
  const bytes = source instanceof Uint8Array ? source : encodeModel(source);
  return ort.InferenceSession.create(bytes, options);
}

/** Runs a model once on `inputs` (matched by name) and returns its outputs in the model's order. */
export async function runModel(
  source: ModelSource,
  inputs: readonly Tensor[],
  options: ort.InferenceSession.SessionOptions = SESSION_OPTIONS,
): Promise<Tensor[]> {
  const session = await open(source, options);
  try {
    const feeds = Object.fromEntries(session.inputNames.map((name) => [name, toOrt(find(inputs, name))]));
    const results = await session.run(feeds);
    return session.outputNames.map((name) => fromOrt(name, results[name]!));
  } finally {
    await session.release();
  }
}

function find(tensors: readonly Tensor[], name: string): Tensor {
  const tensor = tensors.find((t) => t.name === name);
  if (!tensor)
    throw new RangeError(`no tensor named "${name}" among [${tensors.map((t) => t.name).join(', ')}]`);
  return tensor;
}

/** Where partition p of stage s is loaded from. */
export type PartitionLoader = (stage: number, partition: number) => ModelSource;

/**
 * Runs a plan on `inputs`: each stage's partitions get their scattered inputs, run one after
 * another, and their outputs are gathered with lib/tensor's merge kernels before the next stage.
 * Returns the plan's outputs in its order.
 */
export async function runPlan(
  plan: Plan,
  load: PartitionLoader,
  inputs: readonly Tensor[],
  options: ort.InferenceSession.SessionOptions = SESSION_OPTIONS,
): Promise<Tensor[]> {
  const values = new Map(plan.inputs.map((spec) => [spec.name, find(inputs, spec.name)]));
  for (const [s, stage] of plan.stages.entries()) {
    const n = stage.partitions.length;
    const outputs: Tensor[][] = [];
    for (let p = 0; p < n; p++) {
      const feeds = stage.inputs.map(({ name, scatter }) => {
        const whole = values.get(name)!;
        return scatter.kind === 'replicate' ? whole : splitTensor(whole, scatter.axis, n)[p]!;
      });
      outputs.push(await runModel(load(s, p), feeds, options));
    }
    for (const { name, gather } of stage.outputs) {
      const parts = outputs.map((out) => find(out, name));
      if (gather.kind === 'concat') values.set(name, concatTensors(parts, gather.axis));
      else if (gather.kind === 'sum' || gather.kind === 'mean')
        values.set(name, sumTensors(parts, gather.kind === 'mean'));
      else throw new RangeError(`stage ${stage.name}: gather "${gather.kind}" is not run in process yet`);
    }
  }
  return plan.outputs.map((spec) => values.get(spec.name)!);
}

/** Runs a strategy's result before it is written. */
export function runPartitioned(partitioned: PartitionedModel, inputs: readonly Tensor[]): Promise<Tensor[]> {
  return runPlan(partitioned.plan, (s, p) => partitioned.models[s]![p]!, inputs);
}

/** Runs a plan from a model repository. */
export function runLoadedPlan(loaded: LoadedPlan, inputs: readonly Tensor[]): Promise<Tensor[]> {
  return runPlan(
    loaded.plan,
    (s, p) => path.join(loaded.dir, loaded.plan.stages[s]!.partitions[p]!.file),
    inputs,
  );
}

/**
 * max |a - b| / max |b| over all elements, `b` being the reference: the error relative to the
 * tensor's scale. Per-element relative error is the wrong measure for a split that reorders a sum:
 * an output that cancels to near zero has a large relative error from a rounding of its terms.
 */
export function relativeMaxError(actual: Tensor, reference: Tensor): number {
  if (actual.datatype !== 'FP32' || reference.datatype !== 'FP32')
    throw new TypeError('relativeMaxError compares FP32 tensors');
  if (actual.data.length !== reference.data.length)
    throw new RangeError(`${actual.data.length} bytes against ${reference.data.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < reference.data.length; i += 4) {
    const b = reference.data.readFloatLE(i);
    diff = Math.max(diff, Math.abs(actual.data.readFloatLE(i) - b));
    scale = Math.max(scale, Math.abs(b));
  }
  return scale === 0 ? diff : diff / scale;
}
