import path from 'node:path';
import * as ort from 'onnxruntime-node';
import type { Plan, TensorSpecJson } from '../../lib/plan/schema.js';
import { loadPlan, type LoadedPlan } from '../../lib/plan/repository.js';
import { StageGather } from '../../lib/plan/stage-gather.js';
import { bytesPerElement, DATATYPES, datatypeFromOrt } from '../../lib/tensor/dtype.js';
import { splitTensor } from '../../lib/tensor/scatter.js';
import { elementCount, type Tensor, type TensorSpec } from '../../lib/tensor/tensor.js';
import { bytesOf, typedView, type TypedArray } from '../../lib/tensor/typed-view.js';
import type { KeyEncryptionKey } from '../../lib/seal/key-file.js';
import { readSealedPartition } from '../../lib/seal/read-sealed.js';
import { decodeBytes, encodeBytes } from '../../lib/tensor/bytes.js';
import { compareTensors, type TensorDifference } from './compare.js';
import { encodeModel, graphProto, loadModel, onnx, withGraph, type ModelProto } from '../onnx/graph.js';
import type { PartitionedModel } from '../onnx/partitioned-model.js';
import { referenceTopk, topkOutputNames } from '../strategies/head/topk.js';
import { randomFloat32, randomTensor } from '../models/synthetic.js';

/**
 * In-process reference execution, to check a split against the unsplit model: runs models with
 * onnxruntime-node and plans stage by stage with the router's scatter and its streaming gather.
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

/** As the shard's OrtRunner converts: BYTES to and from 'string' tensors of UTF-8 text. */
function toOrt(tensor: Tensor): ort.Tensor {
  if (tensor.datatype === 'BYTES') {
    const strings = decodeBytes(tensor.data, elementCount(tensor.shape)).map((e) => e.toString('utf8'));
    return new ort.Tensor('string', strings, [...tensor.shape]);
  }
  const data = typedView(tensor.datatype, tensor.data);
  return new ort.Tensor(DATATYPES[tensor.datatype].ort as ort.Tensor.Type, data as never, [...tensor.shape]);
}

function fromOrt(name: string, value: ort.Tensor): Tensor {
  const datatype = datatypeFromOrt(value.type);
  return {
    name,
    datatype,
    shape: value.dims.map(Number),
    data: datatype === 'BYTES' ? encodeBytes(value.data as string[]) : bytesOf(value.data as TypedArray),
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
 * Runs a plan on `inputs`: each stage's partitions get their scattered inputs and run one after
 * another, and their whole outputs go through the router's own streaming gather (`StageGather`:
 * a header, one chunk per tensor, then done), so concat, sum, mean and top-k merge here exactly
 * as they merge in the router. Returns the plan's outputs in its order.
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
    const gather = new StageGather(stage);
    for (let p = 0; p < n; p++) {
      const feeds = stage.inputs.map(({ name, scatter }) => {
        const whole = values.get(name)!;
        return scatter.kind === 'replicate' ? whole : splitTensor(whole, scatter.axis, n)[p]!;
      });
      const results = await runModel(load(s, p), feeds, options);
      const outputs = stage.outputs.map(({ name }) => find(results, name));
      const sink = gather.sink(p);
      sink.header(
        outputs.map(({ name, datatype, shape, data }) =>
          datatype === 'BYTES'
            ? { name, datatype, shape, byteLength: data.length }
            : { name, datatype, shape },
        ),
      );
      outputs.forEach((tensor, i) => sink.chunk(i, 0, tensor.data));
      gather.partitionDone(p);
    }
    for (const [name, tensor] of gather.result()) values.set(name, tensor);
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

export interface VerifySplitOptions {
  /** Seed of the random inputs; the same seed gives the same inputs. */
  readonly seed: number;
  /** Size of each input's first dim where it is dynamic. @default 1 */
  readonly batch?: number;
  /** Size of the other dynamic dims. @default 1 */
  readonly dynamicDim?: number;
  /** Session options for both runs. @default SESSION_OPTIONS, the shard's */
  readonly sessionOptions?: ort.InferenceSession.SessionOptions;
  /** The key-encryption key of a sealed plan (`split --seal --verify`): partitions are opened in memory. */
  readonly kek?: KeyEncryptionKey;
}

export interface VerifySplitReport {
  /** The inputs both runs were fed. */
  readonly inputs: readonly TensorSpec[];
  /** One entry per plan output, in the plan's order. */
  readonly outputs: readonly TensorDifference[];
}

/**
 * Seeded inputs for `specs`: dynamic dims become `batch` (first dim) or `dynamicDim` (the others).
 * Floats are uniform in [-1, 1); BYTES are decimal numbers below 100 as text; integers and booleans are all 1, a valid token id, mask and type
 * id for the transformer inputs they usually are (random integers could index past a table).
 */
export function verificationInputs(
  specs: readonly TensorSpecJson[],
  options: Pick<VerifySplitOptions, 'seed' | 'batch' | 'dynamicDim'>,
): Tensor[] {
  return specs.map((spec, i) => {
    const shape = spec.shape.map((d, axis) =>
      d >= 0 ? d : axis === 0 ? (options.batch ?? 1) : (options.dynamicDim ?? 1),
    );
    if (spec.datatype === 'FP32') return randomTensor(spec.name, shape, options.seed + i);
    const count = elementCount(shape);
    // Strings of decimal digits: what a string input is most often cast to a number from.
    if (spec.datatype === 'BYTES') {
      const digits = Array.from({ length: count }, (_, j) => String((j * 7 + options.seed + i) % 100));
      return { name: spec.name, datatype: spec.datatype, shape, data: encodeBytes(digits) };
    }
    if (spec.datatype === 'FP64') {
      const data = Float64Array.from(randomFloat32(count, options.seed + i));
      return { name: spec.name, datatype: spec.datatype, shape, data: bytesOf(data) };
    }
    const ones = typedView(spec.datatype, Buffer.alloc(count * bytesPerElement(spec.datatype)));
    // FP16 1.0 is 0x3c00; 64-bit arrays take bigints.
    const one = spec.datatype === 'FP16' ? 0x3c00 : /64$/.test(spec.datatype) ? 1n : 1;
    (ones as { fill(v: never): unknown }).fill(one as never);
    return { name: spec.name, datatype: spec.datatype, shape, data: bytesOf(ones) };
  });
}

/**
 * Runs the unsplit model and the plan in `planDir` (merging as the router does) on the same seeded
 * inputs and compares every output. The caller judges the differences against its tolerance.
 */
export async function verifySplit(
  originalFile: string,
  planDir: string,
  options: VerifySplitOptions,
): Promise<VerifySplitReport> {
  const loaded = await loadPlan(planDir);
  const inputs = verificationInputs(loaded.plan.inputs, options);
  const session = options.sessionOptions ?? SESSION_OPTIONS;
  const actual = await runPlan(loaded.plan, await partitionSources(loaded, options.kek), inputs, session);
  const expected = await referenceOutputs(originalFile, loaded.plan, inputs, session);
  const outputs = loaded.plan.outputs.map((spec, o) => compareTensors(actual[o]!, expected.get(spec.name)!));
  return { inputs: inputs.map(({ name, datatype, shape }) => ({ name, datatype, shape })), outputs };
}

/** Each partition's file, or, for a sealed plan, its bytes decrypted in memory (lib/seal). */
async function partitionSources(
  loaded: LoadedPlan,
  kek: KeyEncryptionKey | undefined,
): Promise<PartitionLoader> {
  const { plan, dir } = loaded;
  if (!plan.sealing) return (s, p) => path.join(dir, plan.stages[s]!.partitions[p]!.file);
  const sealing = plan.sealing;
  const opened = await Promise.all(
    plan.stages.map((stage) =>
      Promise.all(stage.partitions.map((partition) => readSealedPartition(dir, sealing, partition, kek))),
    ),
  );
  return (s, p) => opened[s]![p]!;
}

/** The plan's top-k outputs by name: the logits each is the top-k of, by the head strategy's top-k naming. */
function topkSources(plan: Plan): Map<string, { logits: string; k: number }> {
  const sources = new Map<string, { logits: string; k: number }>();
  for (const { name, gather } of plan.stages.flatMap((s) => s.outputs)) {
    if (gather.kind !== 'topk') continue;
    const logits = name.replace(/_topk_values$/, '');
    const names = topkOutputNames(logits);
    if (names.values !== name || names.indices !== gather.indices) continue;
    sources.set(name, { logits, k: gather.k });
    sources.set(gather.indices, { logits, k: gather.k });
  }
  return sources;
}

/**
 * The unsplit model's value of every plan output. A plan output the model does not return is read
 * as an extra graph output of it, or, for a head split's `topk`, computed by `referenceTopk` from
 * the logits read that way.
 */
async function referenceOutputs(
  originalFile: string,
  plan: Plan,
  inputs: readonly Tensor[],
  session: ort.InferenceSession.SessionOptions,
): Promise<Map<string, Tensor>> {
  let results = await runModel(originalFile, inputs, session);
  const missing = plan.outputs.filter((o) => !results.some((t) => t.name === o.name)).map((o) => o.name);
  const topk = topkSources(plan);
  if (missing.length > 0) {
    const model = await loadModel(originalFile);
    const extra = [...new Set(missing.map((name) => topk.get(name)?.logits ?? name))];
    const graph = graphProto({
      ...model.graph,
      output: [...model.graph.output, ...extra.map((name) => onnx.ValueInfoProto.create({ name }))],
    });
    results = await runModel(withGraph(model, graph), inputs, session);
  }
  return new Map(
    plan.outputs.map(({ name }) => {
      const source = missing.includes(name) ? topk.get(name) : undefined;
      if (!source) return [name, find(results, name)];
      const [values, indices] = referenceTopk(find(results, source.logits), source.k);
      return [name, values.name === name ? values : indices];
    }),
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
