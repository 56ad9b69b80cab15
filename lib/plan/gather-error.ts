/**
 * Why a stage's gather failed:
 * - `invalid-shard-output`: a partition's answer does not fit the plan or its own earlier attempt
 *   (other outputs, a changed shape on retry, a chunk of an output that does not exist, bytes
 *   outside the tensor). The shard, not the request, is at fault.
 * - `invalid-plan`: the plan asks for something the gather cannot do (a top-k whose indices are
 *   not an output of the stage); `validatePlan` refuses such plans, so this means a plan that
 *   skipped validation.
 */
export type GatherErrorKind = 'invalid-shard-output' | 'invalid-plan';

/**
 * Thrown by `StageGather` (from a sink's `header` and `chunk`, and from `result`). The plan layer
 * knows no gRPC: the router maps a kind to the status its client sees
 * (services/router/gather-status.ts); the splitter's verification reports the message.
 */
export class GatherError extends Error {
  override readonly name = 'GatherError';
  constructor(
    readonly kind: GatherErrorKind,
    message: string,
  ) {
    super(message);
  }
}
