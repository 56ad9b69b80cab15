import type { Command } from 'commander';
import path from 'node:path';
import { PlanError } from '../../lib/plan/validate.js';
import { generateKeyFile, KeyFileError, type KeyEncryptionKey } from '../../lib/seal/key-file.js';
import { sealVersion, SealVersionError } from '../../lib/seal/seal-version.js';
import { parseKeyFileOption } from '../key-file-option.js';
import { splitTestPause } from '../split-test-pause.js';

interface SealFlags {
  keyFile?: KeyEncryptionKey;
  generateKeyFile?: string;
}

/**
 * `shardmesh seal DIR --key-file KEK`: seals a model version in place (lib/seal/seal-version.ts);
 * `shardmesh seal --generate-key-file FILE`: makes a key-encryption key. Usage errors exit 2 (from
 * commander, main.ts); a version that cannot be sealed (no plan, sealed already) exits 1.
 */
export function registerSealCommand(program: Command): void {
  program
    .command('seal')
    .description(
      "encrypt a model version's partition files (AES-256-GCM, a fresh data key wrapped with --key-file), or make a key file",
    )
    .argument('[dir]', 'the model version folder to seal in place, models/NAME/VERSION')
    .option('--key-file <file>', 'key-encryption key (base64 of 32 bytes, mode 0600)', parseKeyFileOption)
    .option(
      '--generate-key-file <file>',
      'write a new key-encryption key to FILE (mode 0600, never overwritten)',
    )
    .action(async (dir: string | undefined, flags: SealFlags, command: Command) => {
      if (flags.generateKeyFile !== undefined) {
        if (dir !== undefined || flags.keyFile)
          command.error(
            "error: option '--generate-key-file' is used alone: make the key, then seal with --key-file",
          );
        try {
          const kek = generateKeyFile(path.resolve(flags.generateKeyFile));
          console.log(
            `wrote key-encryption key ${kek.file} (key id ${kek.keyId}); keep it safe, losing it loses what it sealed`,
          );
        } catch (error) {
          if (!(error instanceof KeyFileError)) throw error;
          console.error(`shardmesh seal: ${error.message}`);
          process.exitCode = 1;
        }
        return;
      }
      if (dir === undefined)
        command.error("error: missing argument 'dir' (or give --generate-key-file FILE)");
      if (!flags.keyFile) command.error("error: required option '--key-file <file>' not specified");
      try {
        // The split's kill-test seam pauses seal's version swap too (cli/split-test-pause.ts).
        const pause = splitTestPause();
        const plan = await sealVersion(dir, flags.keyFile, pause ? { onStep: pause } : {});
        const files = plan.stages.reduce((n, s) => n + s.partitions.length, 0);
        console.log(
          `sealed ${plan.name}/${plan.version}: ${files} partition files under key id ${flags.keyFile.keyId}`,
        );
      } catch (error) {
        // The version's own problems exit 1; anything else is a crash, with its stack (main.ts).
        const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
        if (!(error instanceof SealVersionError || error instanceof PlanError || missing)) throw error;
        console.error(
          `shardmesh seal: ${missing ? `${dir} holds no model version (no plan.json)` : (error as Error).message}`,
        );
        process.exitCode = 1;
      }
    });
}
