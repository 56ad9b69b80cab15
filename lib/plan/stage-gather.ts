import type { Gather, StagePlan } from './schema.js';
import { ConcatMerger, SumMerger, type Merger } from '../tensor/merge.js';
import { BytesConcatMerger } from '../tensor/bytes-merge.js';
import { mergeTopk } from '../tensor/topk.js';
import { ChunkAssembler } from '../tensor/chunks.js';
import { byteSize, type Tensor, type TensorSpec } from '../tensor/tensor.js';
import { GatherError } from './gather-error.js';

/**
 * Where one partition's outputs go while they stream in; owned by the stage's gather. `data` is
 * the sink's only until `chunk` returns (its memory may take the next message): a sink that keeps
 * bytes copies them.
 */
export interface PartitionSink {
  header(specs: readonly TensorSpec[]): void;
  chunk(tensor: number, offset: number, data: Buffer): void;
}

/** What a partition's attempts need of a stage's gather: a sink per attempt, and "done". */
export type PartitionGather = Pick<StageGather, 'sink' | 'partitionDone'>;

interface Pending {
  tensor: number;
  offset: number;
  data: Buffer;
}

/** Concat lands bytes where they belong as they arrive; a retry rewrites the same bytes. */
const streamsEarly = (gather: Gather): boolean => gather.kind === 'concat';

/**
 * Gathers one stage's partition outputs into whole tensors as chunks stream in. A concat merger
 * needs every partition's shape to place bytes, so chunks wait (as references, not copies) until
 * all output headers are in. Sums (and top-k) take a partition's bytes only when its call has
 * succeeded, so a replica that fails mid-stream and is retried cannot be counted twice.
 */
export class StageGather {
  readonly #shapes: (readonly TensorSpec[] | undefined)[];
  readonly #pending: Pending[][];
  readonly #complete: boolean[];
  readonly #attempts: number[];
  #mergers: Merger[] | undefined;
  #onProgress: (() => void) | undefined;

  constructor(private readonly stage: StagePlan) {
    const n = stage.partitions.length;
    this.#shapes = Array.from({ length: n }, () => undefined);
    this.#pending = Array.from({ length: n }, () => []);
    this.#complete = Array.from({ length: n }, () => false);
    this.#attempts = Array.from({ length: n }, () => 0);
  }

  /**
   * A fresh sink for an attempt at partition `p`; the previous attempt's unmerged bytes are
   * dropped, and its sink goes deaf. A concat output's bytes are counted per attempt, so
   * `result()` refuses an output a partition did not send in full.
   */
  sink(p: number): PartitionSink {
    this.#pending[p] = [];
    for (const m of this.#mergers ?? [])
      if (m instanceof ConcatMerger || m instanceof BytesConcatMerger) m.restart(p);
    // A late message of an abandoned attempt must not count towards (or land in) this one's.
    const attempt = ++this.#attempts[p]!;
    const current = (): boolean => this.#attempts[p] === attempt;
    return {
      header: (specs) => {
        if (current()) this.#header(p, specs);
      },
      chunk: (tensor, offset, data) => {
        if (current()) this.#chunk(p, { tensor, offset, data });
      },
    };
  }

  #header(p: number, specs: readonly TensorSpec[]): void {
    const expected = this.stage.outputs.map((o) => o.name);
    const names = specs.map((s) => s.name);
    if (expected.some((name, i) => names[i] !== name)) {
      throw new GatherError(
        'invalid-shard-output',
        `stage ${this.stage.name} partition ${p} returned [${names}], the plan says [${expected}]`,
      );
    }
    const earlier = this.#shapes[p];
    if (earlier && earlier.some((s, i) => s.shape.join() !== specs[i]!.shape.join())) {
      throw new GatherError(
        'invalid-shard-output',
        `stage ${this.stage.name} partition ${p} changed output shape on retry`,
      );
    }
    this.#shapes[p] = specs;
    if (this.#shapes.every((s) => s !== undefined)) {
      const first = this.#mergers === undefined;
      this.#mergers ??= this.#createMergers();
      this.#shapes.forEach((_, q) => this.#flush(q));
      if (first) this.#onProgress?.();
    }
  }

  /**
   * `listener` is told once every partition's output shapes are in (the outputs exist) and after
   * each chunk merged since; one listener, undefined to stop. It must not throw.
   */
  onProgress(listener: (() => void) | undefined): void {
    this.#onProgress = listener;
  }

  /**
   * The concat mergers of the outputs `names`, filling as chunks arrive, once every partition's
   * shapes are in; undefined before. null when one of them is not merged in place as it streams
   * (a sum, a top-k, BYTES): such an output is final only once every partition is done.
   */
  filling(names: readonly string[]): readonly ConcatMerger[] | null | undefined {
    const mergers = this.#mergers;
    if (!mergers) return undefined;
    const filling: ConcatMerger[] = [];
    for (const name of names) {
      const merger = mergers[this.stage.outputs.findIndex((o) => o.name === name)];
      if (!(merger instanceof ConcatMerger)) return null;
      filling.push(merger);
    }
    return filling;
  }

  #createMergers(): Merger[] {
    return this.stage.outputs.map((output, i) => {
      const shapes = this.#shapes.map((s) => s![i]!.shape);
      const { datatype } = this.#shapes[0]![i]!;
      const g = output.gather;
      // A top-k's indices output is merged with its values, whatever gather the plan gives it.
      const ofTopk = this.#isIndicesOfTopk(output.name);
      if (g.kind === 'concat' && !ofTopk && datatype === 'BYTES')
        return new BytesConcatMerger(
          output.name,
          this.#shapes.map((s) => s![i]!),
          g.axis,
        );
      if (g.kind === 'concat' && !ofTopk) return new ConcatMerger(output.name, datatype, shapes, g.axis);
      if ((g.kind === 'sum' || g.kind === 'mean') && !ofTopk)
        return new SumMerger(output.name, datatype, shapes, g.kind === 'mean');
      return new PartsCollector(
        { name: output.name, datatype, shape: shapes[0]! },
        this.#shapes.map((s) => s![i]!),
      );
    });
  }

  #chunk(p: number, chunk: Pending): void {
    this.#pending[p]!.push(chunk);
    this.#flush(p);
    // Still waiting: its bytes may be reused once the sink returns (shard-stream-pool.ts), so the
    // gather keeps a copy.
    const pending = this.#pending[p]!;
    if (pending.at(-1) === chunk) pending[pending.length - 1] = { ...chunk, data: Buffer.from(chunk.data) };
  }

  /** Moves partition p's waiting chunks into the mergers, where its gathers allow it yet. */
  #flush(p: number): void {
    if (!this.#mergers) return;
    const keep: Pending[] = [];
    for (const chunk of this.#pending[p]!) {
      const output = this.stage.outputs[chunk.tensor];
      if (!output)
        throw new GatherError(
          'invalid-shard-output',
          `stage ${this.stage.name} partition ${p} sent a chunk of output ${chunk.tensor}`,
        );
      const early = streamsEarly(output.gather) && !this.#isIndicesOfTopk(output.name);
      if (early || this.#complete[p]) this.#accept(p, chunk);
      else keep.push(chunk);
    }
    this.#pending[p] = keep;
  }

  #accept(p: number, chunk: Pending): void {
    try {
      this.#mergers![chunk.tensor]!.accept(p, chunk.offset, chunk.data);
      this.#onProgress?.();
    } catch (error) {
      // Mergers refuse chunks outside the partition's bytes with a RangeError: the shard's fault.
      if (error instanceof RangeError)
        throw new GatherError('invalid-shard-output', `stage ${this.stage.name}: ${error.message}`);
      throw error;
    }
  }

  /** Partition p's call succeeded: everything it sent may now be merged. */
  partitionDone(p: number): void {
    this.#complete[p] = true;
    this.#flush(p);
  }

  /**
   * The stage's gathered outputs by name. Call after every partition is done (a sum is not complete
   * before); earlier is a caller's bug and throws an Error naming the partitions still running.
   * Calling it again gives the same values.
   */
  result(): Map<string, Tensor> {
    const running = this.#complete.flatMap((done, p) => (done ? [] : [p]));
    if (running.length > 0)
      throw new Error(`stage ${this.stage.name}: result() before partitions [${running}] are done`);
    const out = new Map<string, Tensor>();
    const mergers = this.#mergers!;
    this.stage.outputs.forEach((output, i) => {
      const gather = output.gather;
      if (gather.kind !== 'topk') {
        if (!this.#isIndicesOfTopk(output.name)) out.set(output.name, this.#merged(mergers[i]!));
        return;
      }
      const j = this.stage.outputs.findIndex((o) => o.name === gather.indices);
      if (j < 0)
        throw new GatherError(
          'invalid-plan',
          `stage ${this.stage.name}: top-k indices "${gather.indices}" are not an output`,
        );
      const [values, indices] = mergeTopk(
        gather,
        (mergers[i] as PartsCollector).parts(),
        (mergers[j] as PartsCollector).parts(),
      );
      out.set(output.name, values);
      out.set(gather.indices, indices);
    });
    return out;
  }

  /** A merger's tensor; a partition that sent too few bytes is the shard's fault. */
  #merged(merger: Merger): Tensor {
    try {
      return merger.result();
    } catch (error) {
      if (error instanceof RangeError)
        throw new GatherError('invalid-shard-output', `stage ${this.stage.name}: ${error.message}`);
      throw error;
    }
  }

  #isIndicesOfTopk(name: string): boolean {
    return this.stage.outputs.some((o) => o.gather.kind === 'topk' && o.gather.indices === name);
  }
}

/** Keeps each partition's whole output, for gathers that need them all at once (top-k). */
class PartsCollector implements Merger {
  readonly #assemblers: ChunkAssembler[];

  constructor(
    readonly spec: TensorSpec,
    private readonly partSpecs: readonly TensorSpec[],
  ) {
    this.#assemblers = partSpecs.map((s) => new ChunkAssembler(byteSize(s)));
  }

  accept(partition: number, offset: number, data: Uint8Array): void {
    const problem = this.#assemblers[partition]!.accept(offset, data);
    if (problem)
      throw new GatherError('invalid-shard-output', `${this.spec.name} partition ${partition}: ${problem}`);
  }

  parts(): Tensor[] {
    return this.partSpecs.map((s, p) => ({ ...s, data: this.#assemblers[p]!.data }));
  }

  result(): Tensor {
    throw new Error('top-k parts are merged by the stage, not alone');
  }
}
