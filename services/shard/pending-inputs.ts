import type { WireInferHeader } from '../../lib/grpc/shard-messages.js';
import { specFromWire } from '../../lib/grpc/shard-messages.js';
import { invalidArgument } from '../../lib/grpc/service-error.js';
import { elementOffsets } from '../../lib/tensor/bytes.js';
import { ChunkAssembler } from '../../lib/tensor/chunks.js';
import { mismatch } from '../../lib/tensor/conform.js';
import { byteSize, elementCount, type Tensor, type TensorSpec } from '../../lib/tensor/tensor.js';
import type { ModelRunner } from './model-runner.js';

/**
 * A request's inputs while their chunks arrive. A tensor that arrives as one whole chunk (the
 * usual case below the chunk size) is kept as that chunk, a view of the received message, not
 * copied; only a tensor cut into several chunks is assembled into a buffer of its own.
 */
export class PendingInputs {
  readonly specs: TensorSpec[];
  readonly #sizes: number[];
  readonly #whole: (Buffer | undefined)[];
  readonly #assemblers: (ChunkAssembler | undefined)[];
  #missing: number;

  constructor(header: WireInferHeader, runner: ModelRunner) {
    this.specs = header.inputs.map((s, i) => specFromWire(s, () => `input ${i} "${s.name}"`));
    const names = new Set(this.specs.map((s) => s.name));
    for (const declared of runner.inputs) {
      const given = this.specs.find((s) => s.name === declared.name);
      if (!given) throw invalidArgument(`input "${declared.name}" is missing`);
      const why = mismatch(given, declared);
      if (why) throw invalidArgument(why);
    }
    if (names.size !== this.specs.length || this.specs.length !== runner.inputs.length) {
      throw invalidArgument(
        `inputs [${[...names]}] given, the partition takes [${runner.inputs.map((s) => s.name)}]`,
      );
    }
    this.#sizes = this.specs.map(byteSize);
    this.#whole = this.#sizes.map((n) => (n === 0 ? EMPTY : undefined));
    this.#assemblers = this.specs.map(() => undefined);
    this.#missing = this.#sizes.filter((n) => n > 0).length;
  }

  get complete(): boolean {
    return this.#missing === 0;
  }

  /** The inputs' size in bytes, as their header declared it. */
  get byteLength(): number {
    return this.#sizes.reduce((n, size) => n + size, 0);
  }

  accept(tensor: number, offset: number, data: Buffer): void {
    const size = this.#sizes[tensor];
    if (size === undefined)
      throw invalidArgument(`chunk for tensor ${tensor}, but the header declared ${this.specs.length}`);
    const end = offset + data.length;
    if (this.#whole[tensor]) {
      if (offset < 0 || end > size)
        throw invalidArgument(
          `${this.#where(tensor)}: chunk [${offset}, ${end}) is outside the tensor's ${size} bytes`,
        );
      if (data.length > 0)
        throw invalidArgument(
          `${this.#where(tensor)}: chunk [${offset}, ${end}) overlaps bytes already received`,
        );
      return;
    }
    let assembler = this.#assemblers[tensor];
    if (!assembler && offset === 0 && data.length === size) {
      this.#whole[tensor] = data;
      this.#missing--;
      return;
    }
    assembler ??= this.#assemblers[tensor] = new ChunkAssembler(size);
    const wasComplete = assembler.complete;
    const problem = assembler.accept(offset, data);
    if (problem) throw invalidArgument(`${this.#where(tensor)}: ${problem}`);
    if (!wasComplete && assembler.complete) this.#missing--;
  }

  /** Names input `tensor` in an error (made only for one: `accept` runs for every chunk). */
  #where(tensor: number): string {
    return `input "${this.specs[tensor]!.name}"`;
  }

  /** The inputs' specs with their bytes; throws INVALID_ARGUMENT naming a tensor still incomplete. */
  tensors(): Tensor[] {
    return this.specs.map((spec, i) => {
      const data = this.#whole[i] ?? (this.#assemblers[i]?.complete ? this.#assemblers[i].data : undefined);
      if (!data) throw invalidArgument(`input "${spec.name}": the stream ended before all its bytes arrived`);
      if (spec.datatype === 'BYTES') {
        // Decoded only now, whole: a chunk may have ended inside an element.
        const problem = elementOffsets(data, elementCount(spec.shape));
        if (typeof problem === 'string') throw invalidArgument(`input "${spec.name}" (BYTES): ${problem}`);
      }
      return { ...spec, data };
    });
  }
}

const EMPTY = Buffer.alloc(0);
