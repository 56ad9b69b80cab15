import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import type { KeyEncryptionKey } from '../../lib/seal/key-file.js';
import { parseKeyFileOption } from '../key-file-option.js';
import {
  parseChoice,
  parseCount,
  parseCountList,
  parseNonNegative,
  parseNonNegativeInteger,
  parseSeed,
  parseSize,
} from '../option-parsers.js';
import { runSplitCommand, STRATEGIES, type SplitStep, type SplitStrategy } from '../../partition/split.js';
import { reportSplit } from '../split-report.js';
import { splitTestPause } from '../split-test-pause.js';

interface SplitFlags {
  out: string;
  partitions?: number;
  strategy: SplitStrategy;
  cut: string[];
  maxPartitionBytes?: number;
  topk?: number;
  name?: string;
  version?: string;
  maxBatchSize?: number;
  dynamicBatchingDelayUs?: number;
  preferredBatchSizes?: number[];
  verify: boolean;
  tolerance: number;
  seed: number;
  seal: boolean;
  keyFile?: KeyEncryptionKey;
}

/** A stderr progress bar over the steps, drawn only on a terminal. */
function progress(steps: readonly SplitStep[]): { onStep?: (step: SplitStep) => void; stop(): void } {
  if (!process.stderr.isTTY) return { stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    { format: 'split [{bar}] {step} ({value}/{total})', hideCursor: true, clearOnComplete: false },
    cliProgress.Presets.shades_classic,
  );
  bar.start(steps.length, 0, { step: steps[0] });
  return {
    onStep: (step) => bar.update(steps.indexOf(step), { step }),
    stop: () => {
      bar.update(steps.length, { step: 'done' });
      bar.stop();
    },
  };
}

export function registerSplitCommand(program: Command): void {
  program
    .command('split')
    .description('cut an ONNX model into partitions and a plan.json in a model repository folder')
    .argument('<model>', 'the unsplit .onnx file')
    .requiredOption('--out <dir>', 'folder to write, models/NAME/VERSION')
    .option('--partitions <n>', 'partitions (pipeline: stages)', parseCount)
    .option('--strategy <name>', STRATEGIES.join(' | '), parseChoice(STRATEGIES), 'auto')
    .option(
      '--cut <tensor>',
      'pipeline: cut after this tensor (repeatable, in order)',
      (v, all: string[]) => [...all, v],
      [],
    )
    .option(
      '--max-partition-bytes <n>',
      'auto: most weight bytes one partition may hold, e.g. 512MiB',
      parseSize,
    )
    .option('--topk <k>', 'head: gather the head with a top-k of k', parseCount)
    .option('--name <name>', 'model name (default: NAME of --out)')
    .option('--version <v>', 'model version (default: VERSION of --out)')
    .option(
      '--max-batch-size <n>',
      'largest dim 0 a request may have; 0: no batch dim (default: 8 when dim 0 is dynamic everywhere)',
      parseNonNegativeInteger,
    )
    .option(
      '--dynamic-batching-delay-us <n>',
      'turn on dynamic batching: longest a request waits for others (0: only while a batch runs)',
      parseNonNegativeInteger,
    )
    .option('--preferred-batch-sizes <list>', 'dynamic batching: sizes sent at once, as 4,8', parseCountList)
    .option('--verify', 'run the partitions against the unsplit model on seeded inputs', false)
    .option('--tolerance <x>', 'largest max-relative difference --verify accepts', parseNonNegative, 1e-5)
    .option('--seed <n>', 'seed of the --verify inputs', parseSeed, 1)
    .option(
      '--seal',
      'seal the partitions (AES-256-GCM) under a fresh data key wrapped with --key-file',
      false,
    )
    .option('--key-file <file>', '--seal: the key-encryption key (base64, mode 0600)', parseKeyFileOption)
    .action(async (model: string, flags: SplitFlags, command: Command) => {
      if (flags.seal && !flags.keyFile) command.error("error: option '--seal' needs --key-file <file>");
      if (flags.keyFile && !flags.seal) command.error("error: option '--key-file' applies with --seal only");
      const steps: SplitStep[] = flags.verify
        ? ['load', 'split', 'write', 'verify']
        : ['load', 'split', 'write'];
      const bar = progress(steps);
      const pause = splitTestPause();
      const split = runSplitCommand({
        model,
        out: flags.out,
        strategy: flags.strategy,
        cuts: flags.cut,
        tolerance: flags.tolerance,
        seed: flags.seed,
        verify: flags.verify,
        ...(flags.partitions !== undefined ? { partitions: flags.partitions } : {}),
        ...(flags.maxPartitionBytes !== undefined ? { maxPartitionBytes: flags.maxPartitionBytes } : {}),
        ...(flags.topk !== undefined ? { topk: flags.topk } : {}),
        ...(flags.maxBatchSize !== undefined ? { maxBatchSize: flags.maxBatchSize } : {}),
        ...(flags.dynamicBatchingDelayUs !== undefined || flags.preferredBatchSizes !== undefined
          ? {
              dynamicBatching: {
                maxQueueDelayMicroseconds: flags.dynamicBatchingDelayUs ?? 0,
                preferredBatchSizes: flags.preferredBatchSizes ?? [],
              },
            }
          : {}),
        ...(flags.seal && flags.keyFile ? { seal: flags.keyFile } : {}),
        ...(flags.name !== undefined ? { name: flags.name } : {}),
        ...(flags.version !== undefined ? { version: flags.version } : {}),
        ...(bar.onStep ? { onStep: bar.onStep } : {}),
        ...(pause ? { onWriteStep: pause } : {}),
      }).finally(() => bar.stop());
      const output = await reportSplit(split);
      if (output.stdout !== undefined) console.log(output.stdout);
      if (output.stderr !== undefined) console.error(output.stderr);
      process.exitCode = output.exitCode;
    });
}
