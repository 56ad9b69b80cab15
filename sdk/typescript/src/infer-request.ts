import { encodeInput, type TensorInput } from './tensor-codec.js';

/** A request parameter; integers travel as `int64_param`, other numbers as `double_param`. */
export type ParameterValue = string | number | boolean;

/** What a request carries besides its inputs. */
export interface RequestOptions {
  /** The model version; empty lets the server choose. @default '' */
  readonly version?: string;
  /** The outputs to return, by name. @default every output of the model */
  readonly outputs?: readonly string[];
  /** The request id the server echoes back. @default '' (unary), a fresh one per request (streams) */
  readonly id?: string;
  /** Request-level parameters (Triton's custom arguments). @default {} */
  readonly parameters?: Readonly<Record<string, ParameterValue>>;
}

/** Inputs by name. */
export type InferInputs = Readonly<Record<string, TensorInput>>;

function parameter(value: ParameterValue): object {
  if (typeof value === 'boolean') return { bool_param: value };
  if (typeof value === 'string') return { string_param: value };
  return Number.isSafeInteger(value) ? { int64_param: value } : { double_param: value };
}

/**
 * A ModelInferRequest message with every input in `raw_input_contents`, as tritonclient sends
 * them. Throws INVALID_ARGUMENT (a ShardmeshError) naming an input the client cannot encode.
 */
export function buildInferRequest(model: string, inputs: InferInputs, options: RequestOptions = {}): object {
  const encoded = Object.entries(inputs).map(([name, input]) => encodeInput(name, input));
  return {
    model_name: model,
    model_version: options.version ?? '',
    id: options.id ?? '',
    parameters: Object.fromEntries(
      Object.entries(options.parameters ?? {}).map(([name, value]) => [name, parameter(value)]),
    ),
    inputs: encoded.map((e) => e.spec),
    outputs: (options.outputs ?? []).map((name) => ({ name })),
    raw_input_contents: encoded.map((e) => e.raw),
  };
}
