import { readFile } from 'node:fs/promises';
import { checkDigest } from '../../lib/plan/file-digest.js';
import { createHash } from 'node:crypto';
import type { KeyEncryptionKey } from '../../lib/seal/key-file.js';
import { readSealedPartition } from '../../lib/seal/read-sealed.js';
import { OrtRunner, type OrtRunnerOptions } from './ort-runner.js';
import type { ServedPartition } from './partition-catalog.js';

/**
 * Opens a partition with ONNX Runtime. A clear one from its file; a sealed one is read, checked
 * and decrypted in memory (lib/seal/read-sealed.ts), handed to ONNX Runtime as a buffer, and the
 * clear bytes are zeroed as soon as the session exists: the shard writes no clear partition to
 * disk, temporary files included. Rejects with a SealError (partition-catalog.ts refuses that
 * partition alone) for a missing or wrong key or a truncated, changed or unauthentic file.
 *
 * A clear file whose plan records its size and SHA-256 (`shardmesh publish` does) is read once
 * into memory, checked, and ONNX Runtime opens those very bytes: a file replaced between the check
 * and the load cannot slip through. One that differs rejects with a PartitionFileError.
 */
export async function openPartition(
  p: ServedPartition,
  kek: KeyEncryptionKey | undefined,
  options: OrtRunnerOptions,
): Promise<OrtRunner> {
  if (!p.sealed && p.digest) {
    const bytes = await readFile(p.file);
    checkDigest(p.file, p.digest, {
      bytes: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    });
    return OrtRunner.load(p.file, p.weightBytes, options, bytes);
  }
  if (!p.sealed) return OrtRunner.load(p.file, p.weightBytes, options);
  const plain = await readSealedPartition(p.sealed.dir, p.sealed.sealing, p.sealed.partition, kek);
  try {
    return await OrtRunner.load(p.file, p.weightBytes, options, plain);
  } finally {
    plain.fill(0);
  }
}
