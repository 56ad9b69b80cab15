import { status as Status } from '@grpc/grpc-js';
import type { StageGather } from '../../lib/plan/stage-gather.js';
import type { ConcatMerger } from '../../lib/tensor/merge.js';
import { releaseOutput } from '../../lib/tensor/output-buffers.js';
import { inferResponseFraming } from '../../lib/grpc/v2-codec.js';
import { markStreamed, type StreamEndStatus } from '../../lib/grpc/streamed-message.js';

/**
 * Below this many output bytes a response is sent whole: its shard hop is short, so there is
 * little to overlap, and small answers keep the one path their figures were measured on.
 */
export const STREAM_FROM_BYTES = 4 << 20;

const INCOMPLETE: StreamEndStatus = {
  code: Status.INTERNAL,
  details: 'internal error: the answer was incomplete when its execution ended',
  metadata: null,
};

type Outcome = { readonly ok: true } | { readonly ok: false; readonly status: StreamEndStatus };

/** The fields of the answer other than its tensors. */
export interface AnswerHead {
  readonly model_name: string;
  readonly model_version: string;
  readonly id: string;
}

/**
 * A ModelInfer answer that starts leaving the router while the shards still send it: once the last
 * stage knows its output shapes, the message's length and header are known, and each output's
 * bytes are final as far as every partition has written them in order (ConcatMerger's
 * `writtenPrefix`). The client hop then runs alongside the shard hop instead of after it.
 *
 * Only when every requested output comes from the last stage's concat gathers (bytes land in
 * place as they arrive; a sum or top-k is final only at the end) and the outputs hold at least
 * STREAM_FROM_BYTES; otherwise it declines and the request is answered whole as before.
 *
 * The request's outcome is still decided by the execution: `finish` once it succeeded, `fail`
 * with its status otherwise; the call ends OK only after both the last byte was written and
 * `finish`. A partition retried after some of its bytes were sent rewrites the same elements from
 * the same inputs; whichever attempt's bytes the client gets, each element is one a replica computed.
 *
 * Measured (bench/probes/link-limited-client.ts): behind a 1 Gbit/s client link, 64 and 256 MiB
 * answers 17–22 % sooner; on loopback, where every hop shares two cores and the router's main thread
 * does both TLS directions, no measurable change.
 */
export class StreamedAnswer {
  #gather: StageGather | undefined;
  #head: AnswerHead | undefined;
  #names: readonly string[] = [];
  #outputs: readonly ConcatMerger[] | undefined;
  #settled: Outcome | undefined;
  #wake: (() => void) | undefined;

  /** `start` is called at most once, with the message to hand to the call's callback. */
  constructor(private readonly start: (message: object) => void) {}

  /** Whether the message was handed to `start`: from then on the call's end is this answer's. */
  get started(): boolean {
    return this.#outputs !== undefined;
  }

  /** The last stage's gather, for the outputs `names` of the answer `head`. */
  attach(gather: StageGather, head: AnswerHead, names: readonly string[]): void {
    this.#gather = gather;
    this.#head = head;
    this.#names = names;
    gather.onProgress(() => this.#progress());
  }

  /** The execution succeeded: every byte is final. */
  finish(): void {
    this.#settle({ ok: true });
  }

  /** The execution failed: the call ends with `status` (the bytes sent so far are dropped). */
  fail(status: StreamEndStatus): void {
    this.#settle({ ok: false, status });
  }

  #settle(outcome: Outcome): void {
    this.#settled ??= outcome;
    this.#gather?.onProgress(undefined);
    this.#wake?.();
  }

  #progress(): void {
    if (this.#outputs) {
      this.#wake?.();
      return;
    }
    const gather = this.#gather!;
    const outputs = gather.filling(this.#names);
    if (outputs === undefined) return;
    const lengths = outputs?.map((m) => m.destination.length) ?? [];
    if (outputs === null || lengths.length === 0 || lengths.reduce((a, b) => a + b) < STREAM_FROM_BYTES) {
      gather.onProgress(undefined);
      return;
    }
    this.#outputs = outputs;
    const head = this.#head!;
    const response = {
      ...head,
      outputs: outputs.map((m) => ({ name: m.spec.name, datatype: m.spec.datatype, shape: m.spec.shape })),
    };
    const { before, length } = inferResponseFraming(response, lengths);
    this.start(
      markStreamed(response, {
        length,
        pipe: (write) => this.#pipe(before, write),
        afterWrite: () => {
          for (const m of outputs) releaseOutput(m.destination);
        },
      }),
    );
  }

  /** Writes each output's final bytes as they come, in message order. */
  async #pipe(before: readonly Buffer[], write: (bytes: Uint8Array) => void): Promise<void> {
    const outputs = this.#outputs!;
    for (let i = 0; i < outputs.length; i++) {
      const merger = outputs[i]!;
      const data = merger.destination;
      write(before[i]!);
      let sent = 0;
      while (sent < data.length) {
        const settled = this.#settled;
        if (settled && !settled.ok) throw settled.status;
        const final = merger.writtenPrefix();
        if (final > sent) {
          write(data.subarray(sent, final));
          sent = final;
        } else if (settled?.ok) {
          // The execution succeeded, so every partition sent all its bytes: a bug if not.
          throw INCOMPLETE;
        } else {
          await new Promise<void>((resolve) => (this.#wake = resolve));
        }
      }
    }
    while (!this.#settled) await new Promise<void>((resolve) => (this.#wake = resolve));
    if (!this.#settled.ok) throw this.#settled.status;
  }
}
