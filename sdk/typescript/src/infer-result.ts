import type { DataType, Tensor, TensorDataOf } from './datatypes.js';
import { decodeOutput, type OutputSpec } from './tensor-codec.js';

/** A ModelInferResponse as proto-loader decodes it. */
export interface InferResponseMessage {
  readonly model_name: string;
  readonly model_version: string;
  readonly id: string;
  readonly outputs: readonly OutputSpec[];
  readonly raw_output_contents: readonly Uint8Array[];
}

/** One inference's answer: its outputs decoded into typed arrays. */
export class InferResult {
  private constructor(
    readonly model: string,
    readonly version: string,
    /** The request id, as the server echoed it. */
    readonly id: string,
    /** Every output by name; narrow `datatype` to type `data`, or use `output()`. */
    readonly outputs: Readonly<Record<string, Tensor>>,
  ) {}

  /**
   * Decodes `message`; raw contents pair with outputs by index (the protocol's rule), typed
   * contents are read when the server sent no raw ones. Throws INTERNAL (a ShardmeshError)
   * naming an output whose bytes do not match its datatype and shape.
   */
  static fromMessage(message: InferResponseMessage): InferResult {
    const raw = message.raw_output_contents;
    const outputs: Record<string, Tensor> = {};
    message.outputs.forEach((spec, i) => {
      outputs[spec.name] = decodeOutput(spec, raw.length > 0 ? raw[i] : undefined);
    });
    return new InferResult(message.model_name, message.model_version, message.id, outputs);
  }

  /**
   * The data of output `name`, typed by `datatype`. Throws a TypeError when the response has no
   * such output or it has another datatype: a mistake in the calling code, not in the call.
   */
  output<D extends DataType>(name: string, datatype: D): TensorDataOf[D] {
    const tensor = this.outputs[name];
    if (tensor === undefined)
      throw new TypeError(
        `output "${name}" is not in the response (it has ${Object.keys(this.outputs).join(', ')})`,
      );
    if (tensor.datatype !== datatype)
      throw new TypeError(`output "${name}" is ${tensor.datatype}, not ${datatype}`);
    return tensor.data as TensorDataOf[D];
  }
}
