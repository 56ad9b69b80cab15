import * as ort from 'onnxruntime-node';
import { datatypeFromOrt, DATATYPES, isFixedWidth } from '../../lib/tensor/dtype.js';
import { elementCount, type Tensor, type TensorSpec } from '../../lib/tensor/tensor.js';
import { decodeBytes, encodeBytes } from '../../lib/tensor/bytes.js';
import { bytesOf, typedView, type TypedArray } from '../../lib/tensor/typed-view.js';
import type { ModelRunner } from './model-runner.js';

export interface OrtRunnerOptions {
  /** Threads ONNX Runtime uses inside one operator. @default 1, so replicas on one host don't fight */
  readonly intraOpThreads?: number;
  /**
   * ONNX Runtime's CPU memory arena. It keeps the largest run's memory for ever (a 61 MiB request
   * left a shard holding 1.6 GiB), so it is off by default: a run's tensors go back to the
   * allocator when it ends. Turn it on for many small runs where allocation shows in profiles.
   * @default false
   */
  readonly cpuMemArena?: boolean;
}

/** Bytes per element by ONNX Runtime's type name; strings and other variable sizes are absent. */
const BY_ORT_BYTES = new Map<string, number>(Object.values(DATATYPES).map((d) => [d.ort as string, d.bytes]));

/** An output's dims as ONNX Runtime declares them: a size, or a symbol shared with other values. */
type DeclaredShape = readonly (number | string)[];

/**
 * ONNX Runtime on CPU. Graph optimisations stay at ORT's default ('all'): the splitter keeps the
 * partitions' op structure equal to the unsplit graph's, so both fuse alike and `concat` gathers
 * stay bitwise equal to the unsplit model. A run cannot be stopped once started (onnxruntime-node
 * runs it synchronously), so `run` takes no signal: the shard drops a cancelled call's outputs.
 */
export class OrtRunner implements ModelRunner {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly inputs: readonly TensorSpec[],
    readonly outputNames: readonly string[],
    readonly weightBytes: number,
    private readonly declared: {
      inputs: DeclaredShape[];
      outputs: { elementBytes: number; shape: DeclaredShape }[];
    },
  ) {}

  /**
   * Opens the partition in `file`, or, given `bytes` (a sealed partition decrypted in memory), a
   * session made from those bytes, with `file` only naming it in messages. ONNX Runtime copies the
   * bytes into its own graph while creating the session, so the caller may zero them once this
   * resolves.
   */
  static async load(
    file: string,
    weightBytes: number,
    options: OrtRunnerOptions = {},
    bytes?: Uint8Array,
  ): Promise<OrtRunner> {
    const sessionOptions: ort.InferenceSession.SessionOptions = {
      intraOpNumThreads: options.intraOpThreads ?? 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      enableCpuMemArena: options.cpuMemArena ?? false,
    };
    const session = bytes
      ? await ort.InferenceSession.create(bytes, sessionOptions)
      : await ort.InferenceSession.create(file, sessionOptions);
    const inputs = session.inputNames.map((name, i) => {
      const meta = session.inputMetadata[i];
      if (!meta || !meta.isTensor) throw new TypeError(`${file}: input ${name} is not a tensor`);
      const shape = meta.shape.map((d) => (typeof d === 'number' ? d : -1));
      return { name, datatype: datatypeFromOrt(meta.type), shape };
    });
    const shapeOf = (meta: ort.InferenceSession.ValueMetadata | undefined): DeclaredShape =>
      meta?.isTensor ? meta.shape : [];
    const declared = {
      inputs: session.inputMetadata.map(shapeOf),
      outputs: session.outputMetadata.map((meta) => ({
        elementBytes: meta.isTensor && BY_ORT_BYTES.has(meta.type) ? BY_ORT_BYTES.get(meta.type)! : 0,
        shape: shapeOf(meta),
      })),
    };
    return new OrtRunner(session, inputs, session.outputNames, weightBytes, declared);
  }

  /** A symbolic output dim takes the size the inputs give the same symbol; one never given counts 1. */
  outputBytes(specs: readonly TensorSpec[]): number {
    const sizes = new Map<string, number>();
    this.inputs.forEach((input, i) => {
      const given = specs.find((s) => s.name === input.name);
      this.declared.inputs[i]?.forEach((d, axis) => {
        if (typeof d === 'string' && given?.shape[axis] !== undefined) sizes.set(d, given.shape[axis]);
      });
    });
    let bytes = 0;
    for (const out of this.declared.outputs) {
      const elements = out.shape.reduce<number>(
        (n, d) => n * (typeof d === 'number' ? Math.max(d, 1) : (sizes.get(d) ?? 1)),
        1,
      );
      bytes += elements * out.elementBytes;
    }
    return bytes;
  }

  async run(inputs: readonly Tensor[]): Promise<Tensor[]> {
    const feeds: Record<string, ort.Tensor> = {};
    for (const t of inputs) feeds[t.name] = toOrt(t);
    const results = await this.session.run(feeds);
    return this.outputNames.map((name) => fromOrt(name, results[name]!));
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}

/**
 * A tensor as ONNX Runtime takes it. BYTES become a 'string' tensor: onnxruntime-node takes a
 * string[] and hands ORT each string's UTF-8 bytes (Node cannot pass raw bytes to a string
 * tensor), so the router refuses elements that are not UTF-8; any that got here would reach the
 * model with U+FFFD in place of the bad bytes.
 */
function toOrt(t: Tensor): ort.Tensor {
  if (!isFixedWidth(t.datatype)) {
    const strings = decodeBytes(t.data, elementCount(t.shape)).map((e) => e.toString('utf8'));
    return new ort.Tensor('string', strings, [...t.shape]);
  }
  return new ort.Tensor(
    DATATYPES[t.datatype].ort as ort.Tensor.Type,
    typedView(t.datatype, t.data) as never,
    [...t.shape],
  );
}

/** An ONNX Runtime output as a tensor; a 'string' output becomes BYTES, its elements UTF-8. */
function fromOrt(name: string, out: ort.Tensor): Tensor {
  const datatype = datatypeFromOrt(out.type);
  const data = datatype === 'BYTES' ? encodeBytes(out.data as string[]) : bytesOf(out.data as TypedArray);
  return { name, datatype, shape: out.dims.map(Number), data };
}
