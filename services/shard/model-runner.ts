import type { Tensor, TensorSpec } from '../../lib/tensor/tensor.js';

/**
 * Runs one partition. The seam between the shard's protocol handling and ONNX Runtime, so the
 * handler can be tested with a runner that computes in plain JavaScript.
 */
export interface ModelRunner {
  /** Declared inputs; a dim of -1 accepts any size. */
  readonly inputs: readonly TensorSpec[];
  readonly outputNames: readonly string[];
  /**
   * Runs on whole inputs, in `inputs` order by name; resolves with every output. A runner that
   * `stopsEarly` gets a `signal` that aborts when the call that asked for the run ends first
   * (deadline, cancellation, drain timeout), and rejects then; one that cannot stop (ONNX Runtime)
   * gets none, finishes, and the shard drops the outputs.
   */
  run(inputs: readonly Tensor[], signal?: AbortSignal): Promise<Tensor[]>;
  /**
   * True: `run` heeds its signal. Only such a runner is given one: an AbortSignal per call showed
   * in the shard's profile (`createAbortSignal`), for runs that cannot stop anyway.
   */
  readonly stopsEarly?: boolean;
  /**
   * Bytes the outputs of a run on inputs of these specs are expected to take, for the shard's
   * byte budget; dims that cannot be told from the inputs count as 1. Absent: not counted.
   */
  outputBytes?(inputs: readonly TensorSpec[]): number;
  /** Bytes of weights the partition holds, for logs and scheduling. */
  readonly weightBytes: number;
  /** Called once the shard has stopped; a run cut off by the drain timeout may still be pending. */
  close(): Promise<void>;
}
