import { Metadata, type Client, type ClientUnaryCall, type ServiceError } from '@grpc/grpc-js';
import { loadInferencePackage } from '../../lib/grpc/protos.js';
import type { Plan } from '../../lib/plan/schema.js';
import type { Tensor } from '../../lib/tensor/tensor.js';

/**
 * One ModelInferRequest for `plan`, encoded once so a probe's client sends the same bytes over
 * and over without encoding costs of its own: FP32 inputs of `shape` (default: the plan's, every
 * open dim 1), filled with small varied values.
 */
export function encodedInferRequest(plan: Plan, shape?: readonly number[]): Buffer {
  const inputs = probeInputs(plan, shape);
  return loadInferencePackage().service.service['ModelInfer']!.requestSerialize({
    model_name: plan.name,
    inputs: inputs.map(({ name, datatype, shape }) => ({ name, datatype, shape })),
    raw_input_contents: inputs.map((t) => t.data),
  });
}

/** The inputs `encodedInferRequest` sends, as tensors. */
export function probeInputs(plan: Plan, shape?: readonly number[]): Tensor[] {
  return plan.inputs.map((t) => {
    const dims = shape ?? t.shape.map((d) => (d < 0 ? 1 : d));
    const bytes = dims.reduce((a, b) => a * b, 1) * 4;
    const data = Buffer.alloc(bytes);
    for (let i = 0; i < bytes / 4; i++) data.writeFloatLE(((i % 13) - 6) / 7, i * 4);
    return { name: t.name, datatype: t.datatype, shape: [...dims], data };
  });
}

/** grpc-js's (de)serializer for bytes that are already a message. */
export const passBytes = (b: Buffer): Buffer => b;

/**
 * One ModelInfer of `request` (from `encodedInferRequest`) on `client`, its answer left undecoded:
 * `onAnswer` sees its bytes. `call` is grpc-js's, for its events (`metadata`: the answer's headers).
 */
export function inferEncoded(
  client: Client,
  request: Buffer,
  timeoutMs: number,
  onAnswer?: (answer: Buffer) => void,
): { call: ClientUnaryCall; done: Promise<void> } {
  let call!: ClientUnaryCall;
  const done = new Promise<void>((resolve, reject) => {
    call = client.makeUnaryRequest(
      '/inference.GRPCInferenceService/ModelInfer',
      passBytes,
      (answer: Buffer) => {
        onAnswer?.(answer);
        return answer;
      },
      request,
      new Metadata(),
      { deadline: new Date(Date.now() + timeoutMs) },
      (error: ServiceError | null) => (error ? reject(error) : resolve()),
    );
  });
  return { call, done };
}
