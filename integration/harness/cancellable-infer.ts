import { Metadata, type Client, type ClientUnaryCall, type ServiceError as GrpcError } from '@grpc/grpc-js';

type UnaryInfer = (
  request: object,
  metadata: Metadata,
  options: { deadline: Date },
  callback: (error: GrpcError | null, response: unknown) => void,
) => ClientUnaryCall;

export interface StartedInfer<T> {
  /** Settles with the response, or rejects with the call's gRPC error. */
  readonly result: Promise<T>;
  /** Cancels the call from the client's side, as a user giving up would. */
  cancel(): void;
}

/**
 * A `ModelInfer` call that the test can cancel, on any client that exposes its grpc-js client as
 * `raw` (the mesh's `InferenceClient` does). `result` never floats unhandled: tests await it.
 */
export function startInfer<T>(client: { raw: Client }, request: object, timeoutMs: number): StartedInfer<T> {
  const fn = (client.raw as unknown as Record<string, UnaryInfer>)['ModelInfer']!;
  let call: ClientUnaryCall | undefined;
  const result = new Promise<T>((resolve, reject) => {
    call = fn.call(
      client.raw,
      request,
      new Metadata(),
      { deadline: new Date(Date.now() + timeoutMs) },
      (error, response) => (error ? reject(error) : resolve(response as T)),
    );
  });
  return { result, cancel: () => call!.cancel() };
}
