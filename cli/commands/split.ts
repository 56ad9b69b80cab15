import cliProgress from 'cli-progress';
import { InvalidArgumentError, type Command } from 'commander';
import { runSplitCommand, STRATEGIES, type SplitStep, type SplitStrategy } from '../../partition/split.js';
import { reportSplit } from '../split-report.js';

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
}

const integer = (value: string): number => {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
};

const sizes = (value: string): number[] => value.split(',').map((v) => integer(v.trim()));

const nonNegativeInteger = (value: string): number => {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('must be an integer ≥ 0');
  return n;
};

const positive = (value: string): number => {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('must be a number ≥ 0');
  return n;
};

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
    .option('--partitions <n>', 'partitions (pipeline: stages)', integer)
    .option('--strategy <name>', STRATEGIES.join(' | '), 'auto')
    .option(
      '--cut <tensor>',
      'pipeline: cut after this tensor (repeatable, in order)',
      (v, all: string[]) => [...all, v],
      [],
    )
    .option('--max-partition-bytes <n>', 'auto: most weight bytes one partition may hold', positive)
    .option('--topk <k>', 'head: gather the head with a top-k of k', integer)
    .option('--name <name>', 'model name (default: NAME of --out)')
    .option('--version <v>', 'model version (default: VERSION of --out)')
    .option('--max-batch-size <n>', "plan's maxBatchSize: the largest dim 0 a request may have", integer)
    .option(
      '--dynamic-batching-delay-us <n>',
      'turn on dynamic batching: longest a request waits for others (0: only while a batch runs)',
      nonNegativeInteger,
    )
    .option('--preferred-batch-sizes <list>', 'dynamic batching: sizes sent at once, as 4,8', sizes)
    .option('--verify', 'run the partitions against the unsplit model on seeded inputs', false)
    .option('--tolerance <x>', 'largest max-relative difference --verify accepts', positive, 1e-5)
    .option('--seed <n>', 'seed of the --verify inputs', integer, 1)
    .action(async (model: string, flags: SplitFlags) => {
      const steps: SplitStep[] = flags.verify
        ? ['load', 'split', 'write', 'verify']
        : ['load', 'split', 'write'];
      const bar = progress(steps);
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
        ...(flags.name !== undefined ? { name: flags.name } : {}),
        ...(flags.version !== undefined ? { version: flags.version } : {}),
        ...(bar.onStep ? { onStep: bar.onStep } : {}),
      }).finally(() => bar.stop());
      const output = await reportSplit(split);
      if (output.stdout !== undefined) console.log(output.stdout);
      if (output.stderr !== undefined) console.error(output.stderr);
      process.exitCode = output.exitCode;
    });
}
