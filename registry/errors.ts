/** Thrown by `toShardInstance` when a record read from a registry is not a valid instance. */
export class MalformedInstanceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedInstanceError';
  }
}

/** Callbacks take an `Error`; a rejection can carry anything. */
export const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));
