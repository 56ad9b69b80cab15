/**
 * Why a sealed partition cannot be opened. Thrown by `unsealPartition`, `unwrapDataKey` and
 * `readSealedPartition`; the shard catches it per partition, logs it and leaves that partition
 * unregistered, while it keeps serving the others (services/shard/partition-catalog.ts).
 *
 * - `no-key`: the plan is sealed and the process was given no key-encryption key.
 * - `wrong-key`: the plan was sealed under another key-encryption key (key ids differ), or its
 *   wrapped data key does not open with the one given.
 * - `truncated`: the file on disk is shorter than the plan records.
 * - `changed`: the file's size or SHA-256 differs from the plan's record (tampered, replaced).
 * - `unauthentic`: AES-GCM refused the file: ciphertext, nonce, tag or file name do not belong together.
 *
 * A file that cannot be read at all is not a SealError: its fs error propagates as for a clear file.
 */
export type SealFailure = 'no-key' | 'wrong-key' | 'truncated' | 'changed' | 'unauthentic';

export class SealError extends Error {
  constructor(
    /** The file refused, as a path an operator can find (never a key or a key's bytes). */
    readonly file: string,
    readonly failure: SealFailure,
    /** Why, in words, without the file name: for a log line's `reason` field. */
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`${file}: ${reason}`, options);
    this.name = 'SealError';
  }
}
