import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import type { SealedFile } from '../plan/schema.js';

/**
 * Sealing one partition file: AES-256-GCM under the version's data key with a fresh 12-byte random
 * nonce, and the partition's file name (as plan.json lists it) as additional authenticated data,
 * so two sealed files of one version cannot be swapped on disk unnoticed. A data key seals at most
 * one version's partitions, far below GCM's limit on random nonces per key.
 *
 * The sealed file is the bare ciphertext (as long as the ONNX file); nonce, tag, size and SHA-256
 * go into the partition's `sealed` record in plan.json.
 */

const NONCE_BYTES = 12;
const FILE_LABEL = 'shardmesh sealed partition v1\n';

/** The additional authenticated data of the partition listed as `file` in plan.json. */
export function partitionAad(file: string): Buffer {
  return Buffer.from(`${FILE_LABEL}${file}`);
}

/** The name a partition's file gets once sealed: a clear `….onnx` file is never named like a sealed one. */
export function sealedFileName(file: string): string {
  return `${file}.sealed`;
}

export interface SealedPartition {
  readonly sealed: Buffer;
  readonly record: SealedFile;
}

/** Seals the bytes of the partition that plan.json will list as `file`. */
export function sealPartition(plain: Uint8Array, dataKey: Uint8Array, file: string): SealedPartition {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', dataKey, nonce).setAAD(partitionAad(file));
  const sealed = Buffer.concat([cipher.update(plain), cipher.final()]);
  return {
    sealed,
    record: {
      nonce: nonce.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      sha256: createHash('sha256').update(sealed).digest('hex'),
      bytes: sealed.length,
    },
  };
}
