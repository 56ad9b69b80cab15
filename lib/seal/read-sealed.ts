import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { PartitionPlan, Sealing } from '../plan/schema.js';
import { unwrapDataKey } from './data-key.js';
import type { KeyEncryptionKey } from './key-file.js';
import { unsealPartition } from './unseal.js';

/**
 * The clear bytes of one sealed partition of the plan in `dir`, decrypted in memory and never
 * written anywhere: the caller hands them to ONNX Runtime as a buffer and then zeroes them.
 * Throws SealError (seal-error.ts) for a missing or wrong key, and a truncated, changed or
 * unauthentic file; an fs error reading the file (ENOENT for a version replaced meanwhile)
 * propagates as it is.
 */
export async function readSealedPartition(
  dir: string,
  sealing: Sealing,
  partition: PartitionPlan,
  kek: KeyEncryptionKey | undefined,
): Promise<Buffer> {
  const file = path.join(dir, partition.file);
  // Key first: without the right one there is nothing to check the file against.
  const dataKey = unwrapDataKey(sealing, kek, file);
  try {
    const sealed = await readFile(file);
    return unsealPartition(sealed, partition.sealed!, dataKey, partition.file, file);
  } finally {
    dataKey.fill(0);
  }
}
