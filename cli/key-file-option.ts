import { InvalidArgumentError } from 'commander';
import path from 'node:path';
import { KeyFileError, readKeyFile, type KeyEncryptionKey } from '../lib/seal/key-file.js';

/**
 * `--key-file <file>` of `seal`, `split --seal`, `shard` and `up`: the operator's key-encryption
 * key (lib/seal/key-file.ts), read and checked when the command line is parsed, so a missing,
 * loose (group or others may read it) or malformed key file is a usage error naming the option
 * (exit 2), before anything starts.
 */
export const parseKeyFileOption = (value: string): KeyEncryptionKey => {
  try {
    return readKeyFile(path.resolve(value));
  } catch (error) {
    if (error instanceof KeyFileError) throw new InvalidArgumentError(error.message);
    throw error;
  }
};
