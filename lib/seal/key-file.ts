import { createHash, randomBytes } from 'node:crypto';
import { closeSync, linkSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';

/**
 * The operator's key-encryption key (KEK) file: 32 random bytes written as one line of base64,
 * mode 0600. The KEK never encrypts a partition itself: it wraps each model version's data key
 * (data-key.ts), so a KEK can be handed to shards without handing out one key per model.
 *
 * Read synchronously: it happens once, when a command's options are parsed, so a bad key file is
 * an option error that names `--key-file` (cli/commands/seal-options.ts).
 */

export const KEK_BYTES = 32;

export interface KeyEncryptionKey {
  readonly key: Buffer;
  /**
   * First 16 hex digits of the SHA-256 of the key: recorded in plan.json, so a wrong key is named
   * by id ("sealed under key id X, this shard was given key id Y") without revealing either key.
   */
  readonly keyId: string;
  /** Where it was read from, for messages. */
  readonly file: string;
}

/** Thrown for a key file that cannot be used; the message names the file and what to do. */
export class KeyFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyFileError';
  }
}

export function keyIdOf(key: Uint8Array): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Reads and checks a KEK file. Refused: a file group or others may read or write (an operator's
 * secret left open, e.g. a Kubernetes secret mounted with defaultMode 0644: mount it 0400), one
 * that is not base64, and one that does not hold exactly 32 bytes.
 */
export function readKeyFile(file: string): KeyEncryptionKey {
  let mode: number;
  let text: string;
  try {
    mode = statSync(file).mode;
    text = readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw new KeyFileError(`cannot read key file ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  if ((mode & 0o077) !== 0) {
    const octal = (mode & 0o777).toString(8).padStart(4, '0');
    throw new KeyFileError(
      `key file ${file} has mode ${octal}: group and others must have no access; run chmod 600 ${file}`,
    );
  }
  const key = BASE64.test(text) ? Buffer.from(text, 'base64') : undefined;
  if (key?.length !== KEK_BYTES) {
    const found = key ? `${key.length} bytes` : 'not base64';
    throw new KeyFileError(
      `key file ${file} must hold ${KEK_BYTES} bytes as base64 (${found}); make one with shardmesh seal --generate-key-file FILE`,
    );
  }
  return { key, keyId: keyIdOf(key), file };
}

/**
 * Writes a fresh KEK to `file` with mode 0600 and returns it. Never overwrites: losing a KEK loses
 * every model sealed under it, so an existing file is refused. The key is written to a temporary
 * name beside `file` and hard-linked into place (link(2) fails if `file` exists), so a kill never
 * leaves a half-written key under `file`.
 */
export function generateKeyFile(file: string): KeyEncryptionKey {
  const key = randomBytes(KEK_BYTES);
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  const fd = openSync(temp, 'wx', 0o600);
  try {
    writeSync(fd, `${key.toString('base64')}\n`);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temp, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST')
      throw new KeyFileError(`${file} exists; a key file is never overwritten (its models would be lost)`);
    throw error;
  } finally {
    unlinkSync(temp);
  }
  return { key, keyId: keyIdOf(key), file };
}
