import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Sealing } from '../plan/schema.js';
import type { KeyEncryptionKey } from './key-file.js';
import { SealError } from './seal-error.js';

/**
 * A model version's data key: 32 random bytes that seal every partition file of that version
 * (seal-file.ts), stored in plan.json only wrapped under the operator's key-encryption key (KEK).
 * Wrapping is AES-256-GCM too, with a fixed label as additional data, so a wrapped key cannot be
 * mistaken for anything else the KEK might one day protect.
 */

export const DATA_KEY_BYTES = 32;
const NONCE_BYTES = 12;
const WRAP_LABEL = Buffer.from('shardmesh data key v1');

export function newDataKey(): Buffer {
  return randomBytes(DATA_KEY_BYTES);
}

/** The plan's `sealing` record for `dataKey` wrapped under `kek`. */
export function wrapDataKey(dataKey: Uint8Array, kek: KeyEncryptionKey): Sealing {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', kek.key, nonce).setAAD(WRAP_LABEL);
  const ciphertext = Buffer.concat([cipher.update(dataKey), cipher.final()]);
  return {
    algorithm: 'AES-256-GCM',
    keyId: kek.keyId,
    wrappedKey: {
      nonce: nonce.toString('base64'),
      ciphertext: ciphertext.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
    },
  };
}

/**
 * The data key of a sealed plan. `shownAs` names, in errors, the file being opened with it. Throws SealError:
 * `no-key` without a KEK, `wrong-key` when the key ids differ or the wrapped key does not open
 * (the plan's record was altered, or a KEK with a colliding id).
 */
export function unwrapDataKey(sealing: Sealing, kek: KeyEncryptionKey | undefined, shownAs: string): Buffer {
  if (!kek) throw new SealError(shownAs, 'no-key', 'sealed; start the shard with --key-file');
  if (sealing.keyId !== kek.keyId)
    throw new SealError(
      shownAs,
      'wrong-key',
      `sealed under key id ${sealing.keyId}, this shard was given key id ${kek.keyId} (${kek.file})`,
    );
  const wrapped = sealing.wrappedKey;
  try {
    const decipher = createDecipheriv('aes-256-gcm', kek.key, Buffer.from(wrapped.nonce, 'base64'))
      .setAAD(WRAP_LABEL)
      .setAuthTag(Buffer.from(wrapped.tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(wrapped.ciphertext, 'base64')), decipher.final()]);
  } catch (error) {
    throw new SealError(
      shownAs,
      'wrong-key',
      `the wrapped data key does not open with key id ${kek.keyId}: the plan's sealing record was altered`,
      { cause: error },
    );
  }
}
