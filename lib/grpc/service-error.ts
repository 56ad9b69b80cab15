import { status as Status, type ServiceError as GrpcServiceError, Metadata } from '@grpc/grpc-js';
import { boundDetails } from './status-text.js';

/**
 * The one error type handlers throw. Its `details` go to the client verbatim, so they must be
 * written for a user to act on and never include internals; `cause` keeps the internal reason for
 * logs.
 */
export class ServiceError extends Error {
  /** Trailing metadata the client receives with the status, such as `grpc-retry-pushback-ms`. */
  readonly metadata: Metadata | undefined;

  constructor(
    readonly code: Status,
    readonly details: string,
    options?: { cause?: unknown; metadata?: Metadata },
  ) {
    super(details, options);
    this.name = 'ServiceError';
    this.metadata = options?.metadata;
  }
}

export const invalidArgument = (details: string): ServiceError =>
  new ServiceError(Status.INVALID_ARGUMENT, details);
export const notFound = (details: string): ServiceError => new ServiceError(Status.NOT_FOUND, details);
export const unavailable = (details: string, cause?: unknown): ServiceError =>
  new ServiceError(Status.UNAVAILABLE, details, { cause });

/** True for an error that came back from a gRPC call (it carries a numeric status code). */
export function isGrpcError(error: unknown): error is GrpcServiceError {
  return (
    error instanceof Error &&
    typeof (error as Partial<GrpcServiceError>).code === 'number' &&
    'metadata' in error
  );
}

export interface StatusObject {
  code: Status;
  details: string;
  metadata: Metadata;
}

/**
 * Maps anything a handler threw to the status the client sees: a ServiceError keeps its code; an
 * error from an upstream gRPC call keeps its code only if it is one the caller can act on;
 * anything else is UNKNOWN with a generic message, and `onUnexpected` logs the real one. Details
 * are cut to MAX_STATUS_DETAILS_BYTES (status-text.ts), so no message, whatever it quotes, can
 * outgrow the HTTP/2 header it travels in.
 */
export function toStatus(error: unknown, onUnexpected: (error: unknown) => void): StatusObject {
  if (error instanceof ServiceError)
    // A clone: grpc-js may add to the metadata it sends, and one error can be answered to many calls.
    return {
      code: error.code,
      details: boundDetails(error.details),
      metadata: error.metadata?.clone() ?? new Metadata(),
    };
  if (isGrpcError(error) && error.code !== Status.UNKNOWN && error.code !== Status.INTERNAL) {
    return { code: error.code, details: boundDetails(error.details), metadata: new Metadata() };
  }
  onUnexpected(error);
  return {
    code: Status.UNKNOWN,
    details: 'internal error; the server log has the details',
    metadata: new Metadata(),
  };
}
