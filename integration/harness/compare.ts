import type { Tensor } from '../../lib/tensor/tensor.js';

export function rawInferRequest(model: string, inputs: readonly Tensor[]): object {
  return {
    model_name: model,
    inputs: inputs.map((t) => ({ name: t.name, datatype: t.datatype, shape: t.shape })),
    raw_input_contents: inputs.map((t) => t.data),
  };
}

export interface InferResponse {
  /** The version that answered. */
  model_version?: string;
  outputs: { name: string; datatype: string; shape: number[] }[];
  raw_output_contents: Buffer[];
}
