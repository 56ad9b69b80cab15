import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { PartitionFileError } from './partition-file-error.js';

/** Size and SHA-256 (lowercase hex) of a file, read as a stream so a large partition is not held whole. */
export interface FileDigest {
  readonly bytes: number;
  readonly sha256: string;
}

export async function digestFile(file: string): Promise<FileDigest> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { bytes, sha256: hash.digest('hex') };
}

/** Throws PartitionFileError when `actual` is not `expected`; `file` names it in the message. */
export function checkDigest(file: string, expected: FileDigest, actual: FileDigest): void {
  if (actual.bytes < expected.bytes)
    throw new PartitionFileError(
      file,
      'truncated',
      `the file has ${actual.bytes} bytes where the plan records ${expected.bytes}`,
    );
  if (actual.bytes !== expected.bytes || actual.sha256 !== expected.sha256)
    throw new PartitionFileError(
      file,
      'changed',
      actual.bytes !== expected.bytes
        ? `the file has ${actual.bytes} bytes where the plan records ${expected.bytes}`
        : `the file's SHA-256 ${actual.sha256} differs from the plan's ${expected.sha256}`,
    );
}

/** Reads `file` and checks it against the plan's record of it. */
export async function checkPartitionFile(file: string, expected: FileDigest): Promise<void> {
  checkDigest(file, expected, await digestFile(file));
}
