import { createDecipheriv, createHash } from 'node:crypto';
import type { SealedFile } from '../plan/schema.js';
import { partitionAad } from './seal-file.js';
import { SealError } from './seal-error.js';

/**
 * Opens a sealed partition in memory. Checks run cheapest and most specific first, so the message
 * says what happened: the size (truncated, or grown), then the SHA-256 (changed), then GCM's tag
 * (anything else: a record altered with the file, a file moved to another name). Only bytes that
 * pass all three are returned; a failed decryption's partial output is zeroed.
 *
 * `file` is the name plan.json lists (the additional data); `shownAs` is the path for messages.
 */
export function unsealPartition(
  sealed: Uint8Array,
  record: SealedFile,
  dataKey: Uint8Array,
  file: string,
  shownAs: string,
): Buffer {
  if (sealed.length < record.bytes)
    throw new SealError(
      shownAs,
      'truncated',
      `truncated: ${sealed.length} bytes on disk, ${record.bytes} were sealed`,
    );
  if (sealed.length > record.bytes)
    throw new SealError(
      shownAs,
      'changed',
      `changed since it was sealed: ${sealed.length} bytes on disk, ${record.bytes} were sealed`,
    );
  const sha256 = createHash('sha256').update(sealed).digest('hex');
  if (sha256 !== record.sha256)
    throw new SealError(
      shownAs,
      'changed',
      `changed since it was sealed: SHA-256 ${sha256.slice(0, 16)}… differs from the plan's ${record.sha256.slice(0, 16)}…`,
    );
  const decipher = createDecipheriv('aes-256-gcm', dataKey, Buffer.from(record.nonce, 'base64'))
    .setAAD(partitionAad(file))
    .setAuthTag(Buffer.from(record.tag, 'base64'));
  const plain = decipher.update(sealed);
  try {
    decipher.final();
  } catch (error) {
    plain.fill(0);
    throw new SealError(
      shownAs,
      'unauthentic',
      'failed authentication (AES-GCM tag): it was not sealed as this partition of this version',
      { cause: error },
    );
  }
  return plain;
}
