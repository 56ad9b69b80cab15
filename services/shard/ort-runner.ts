import * as ort from 'onnxruntime-node';
import { datatypeFromOrt, DATATYPES, isFixedWidth } from '../../lib/tensor/dtype.js';
import { elementCount, type Tensor, type TensorSpec } from '../../lib/tensor/tensor.js';
import { decodeBytes, encodeBytes } from '../../lib/tensor/bytes.js';
import { bytesOf, typedView, type TypedArray } from '../../lib/tensor/typed-view.js';
import type { ModelRunner } from './model-runner.js';
import { runRefusal } from './run-refusal.js';
import { AlignedInputs } from './aligned-inputs.js';

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
 * The largest output a runner writes into memory of its own (`OrtRunner.run`); a larger one is
 * left to ONNX Runtime's allocator, as before, so a partition holds at most this much per output
 * between runs.
 */
export const OUTPUT_SCRATCH_MAX_BYTES = 128 << 20;

/**
 * The smallest output written into kept memory: below glibc's initial mmap threshold (128 KiB) a
 * fresh output comes from the heap without new pages, and kept memory would save nothing.
 */
export const OUTPUT_SCRATCH_MIN_BYTES = 128 << 10;

/**
 * ONNX Runtime on CPU. Graph optimisations stay at ORT's default ('all'): the splitter keeps the
 * partitions' op structure equal to the unsplit graph's, so both fuse alike and `concat` gathers
 * stay bitwise equal to the unsplit model. A run cannot be stopped once started (onnxruntime-node
 * runs it synchronously), so `run` takes no signal: the shard drops a cancelled call's outputs.
 */
export class OrtRunner implements ModelRunner {
  /**
   * Per output, memory ONNX Runtime writes the output into, kept from run to run. Without it ORT
   * allocates every output afresh (the arena is off) and the kernel maps its pages in again on
   * every run: a 32 MiB output took 55 ms to compute that way and 31 ms into reused memory. The
   * binding still copies the output into a new ArrayBuffer it returns (onnxruntime-node 1.30
   * copies pre-allocated outputs too), so the scratch is free again as soon as the run returns:
   * one per output serves every run, as runs on one session never overlap (they are synchronous).
   */
  readonly #scratch: (Uint8Array | undefined)[] = [];
  /** Kept memory for inputs that arrive misaligned for their typed array (aligned-inputs.ts). */
  readonly #aligned = new AlignedInputs();
  /** Off for good once ONNX Runtime refused a pre-allocated output (a shape the declaration did not tell). */
  #preallocate = true;

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

  /** Bytes of output scratch the runner holds between runs. */
  get scratchBytes(): number {
    return this.#scratch.reduce((n, b) => n + (b?.byteLength ?? 0), 0);
  }

  /** Bytes of input memory the runner holds between runs (for inputs that came misaligned). */
  get inputScratchBytes(): number {
    return this.#aligned.keptBytes;
  }

  /** Each symbolic dim of the inputs' declared shapes, sized as `specs` give it. */
  #symbolSizes(specs: readonly TensorSpec[]): Map<string, number> {
    const sizes = new Map<string, number>();
    this.inputs.forEach((input, i) => {
      const given = specs.find((s) => s.name === input.name);
      this.declared.inputs[i]?.forEach((d, axis) => {
        if (typeof d === 'string' && given?.shape[axis] !== undefined) sizes.set(d, given.shape[axis]);
      });
    });
    return sizes;
  }

  /** A symbolic output dim takes the size the inputs give the same symbol; one never given counts 1. */
  outputBytes(specs: readonly TensorSpec[]): number {
    const sizes = this.#symbolSizes(specs);
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
    const taken: Uint8Array[] = [];
    let results: ort.InferenceSession.ReturnType;
    try {
      const feeds: Record<string, ort.Tensor> = {};
      for (const t of inputs) feeds[t.name] = toOrt(t, this.#aligned, taken);
      const fetches = this.#preallocate ? this.#fetches(inputs) : undefined;
      try {
        results = fetches ? await this.session.run(feeds, fetches) : await this.session.run(feeds);
      } catch (error) {
        if (!fetches) throw runRefusal(error);
        // The run failed into the scratch outputs: either the declared shape was not the real one,
        // or these inputs fail whatever the outputs. A run as ONNX Runtime allocates tells which.
        results = await this.session.run(feeds).catch((again: unknown) => {
          throw runRefusal(again);
        });
        // It ran: the declaration was wrong, so run as ONNX Runtime allocates from now on.
        this.#preallocate = false;
        this.#scratch.length = 0;
      }
    } finally {
      // ONNX Runtime is done with the inputs: their kept memory may take the next run's.
      this.#aligned.giveBack(taken);
    }
    return this.outputNames.map((name) => fromOrt(name, results[name]!));
  }

  /**
   * Fetches with a scratch tensor for every fixed-width output whose shape the declaration and
   * `inputs` fully tell (no symbol left unsized) and whose size is within OUTPUT_SCRATCH_MIN_BYTES
   * and OUTPUT_SCRATCH_MAX_BYTES; null for the others, which ONNX Runtime allocates. Undefined
   * when no output qualifies.
   */
  #fetches(inputs: readonly Tensor[]): Record<string, ort.OnnxValue | null> | undefined {
    const sizes = this.#symbolSizes(inputs);
    const fetches: Record<string, ort.OnnxValue | null> = {};
    let any = false;
    this.declared.outputs.forEach((out, i) => {
      const name = this.outputNames[i]!;
      fetches[name] = null;
      const meta = this.session.outputMetadata[i];
      if (out.elementBytes === 0 || !meta?.isTensor) return;
      const datatype = datatypeFromOrt(meta.type);
      if (!isFixedWidth(datatype)) return;
      const shape = out.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : sizes.get(String(d))));
      if (shape.some((d) => d === undefined)) return;
      const dims = shape as number[];
      const bytes = elementCount(dims) * out.elementBytes;
      if (bytes < OUTPUT_SCRATCH_MIN_BYTES || bytes > OUTPUT_SCRATCH_MAX_BYTES) return;
      let scratch = this.#scratch[i];
      if (!scratch || scratch.byteLength < bytes) this.#scratch[i] = scratch = new Uint8Array(bytes);
      fetches[name] = new ort.Tensor(
        meta.type as ort.Tensor.Type,
        typedView(datatype, Buffer.from(scratch.buffer, scratch.byteOffset, bytes)) as never,
        dims,
      );
      any = true;
    });
    return any ? fetches : undefined;
  }

  async close(): Promise<void> {
    this.#scratch.length = 0;
    this.#aligned.clear();
    await this.session.release();
  }
}

/**
 * A tensor as ONNX Runtime takes it. BYTES become a 'string' tensor: onnxruntime-node takes a
 * string[] and hands ORT each string's UTF-8 bytes (Node cannot pass raw bytes to a string
 * tensor), so the router refuses elements that are not UTF-8; any that got here would reach the
 * model with U+FFFD in place of the bad bytes. Fixed-width bytes misaligned for their typed array
 * are copied into `aligned`'s kept memory (`taken` collects what the run must give back).
 */
function toOrt(t: Tensor, aligned: AlignedInputs, taken: Uint8Array[]): ort.Tensor {
  if (!isFixedWidth(t.datatype)) {
    const strings = decodeBytes(t.data, elementCount(t.shape)).map((e) => e.toString('utf8'));
    return new ort.Tensor('string', strings, [...t.shape]);
  }
  return new ort.Tensor(
    DATATYPES[t.datatype].ort as ort.Tensor.Type,
    typedView(t.datatype, aligned.align(t.datatype, t.data, taken)) as never,
    [...t.shape],
  );
}

/** An ONNX Runtime output as a tensor; a 'string' output becomes BYTES, its elements UTF-8. */
function fromOrt(name: string, out: ort.Tensor): Tensor {
  const datatype = datatypeFromOrt(out.type);
  const data = datatype === 'BYTES' ? encodeBytes(out.data as string[]) : bytesOf(out.data as TypedArray);
  return { name, datatype, shape: out.dims.map(Number), data };
}
