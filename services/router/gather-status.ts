import { status as Status } from '@grpc/grpc-js';
import { GatherError, type GatherErrorKind } from '../../lib/plan/gather-error.js';
import { ServiceError } from '../../lib/grpc/service-error.js';

/** The status a client sees for each gather failure: both are the server's fault, never the request's. */
const STATUS_OF: Readonly<Record<GatherErrorKind, Status>> = {
  'invalid-shard-output': Status.INTERNAL,
  'invalid-plan': Status.INTERNAL,
};

/**
 * A `GatherError` as the ServiceError the router answers with (its message is safe to send: it
 * names stages, partitions and outputs, nothing internal); any other error unchanged.
 */
export function gatherStatus(error: unknown): unknown {
  if (!(error instanceof GatherError)) return error;
  return new ServiceError(STATUS_OF[error.kind], error.message, { cause: error });
}
