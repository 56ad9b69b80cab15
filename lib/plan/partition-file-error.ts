/**
 * A clear partition file that is not the one its plan records: shorter than `bytes`, or of another
 * size or SHA-256. Thrown by `checkPartitionFile` (file-digest.ts); a shard refuses that partition
 * alone (services/shard/partition-catalog.ts), `shardmesh fetch` refuses the download. The same
 * shape as SealError, so a shard logs both alike.
 */
export class PartitionFileError extends Error {
  constructor(
    /** The file refused, as a path an operator can find. */
    readonly file: string,
    readonly failure: 'truncated' | 'changed',
    /** Why, in words, without the file name. */
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = 'PartitionFileError';
  }
}
