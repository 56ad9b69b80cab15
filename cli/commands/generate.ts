import type { Command } from 'commander';
import { parseChoice, parseSeed, parseSize } from '../option-parsers.js';
import { writeScaleModel } from '../../partition/models/synthetic-scale.js';

export function registerGenerateCommand(program: Command): void {
  program
    .command('generate')
    .description(
      'write a seeded synthetic model (MLP or transformer blocks) of at least the given weight size',
    )
    .argument('<kind>', 'mlp or transformer', parseChoice(['mlp', 'transformer'] as const))
    .requiredOption('--out <file>', 'the .onnx file to write')
    .option('--size <bytes>', 'weight bytes to reach, e.g. 1GiB', parseSize, 2 ** 30)
    .option('--seed <n>', 'seed of the weights', parseSeed, 1)
    .option('--constants', 'store weights as Constant nodes instead of initializers', false)
    .action(
      async (
        kind: 'mlp' | 'transformer',
        o: { out: string; size: number; seed: number; constants: boolean },
      ) => {
        const started = performance.now();
        const written = await writeScaleModel(o.out, {
          kind,
          targetBytes: o.size,
          seed: o.seed,
          weightsAs: o.constants ? 'constant' : 'initializer',
        });
        const seconds = ((performance.now() - started) / 1000).toFixed(1);
        console.log(
          `${o.out}: ${kind}, ${written.layers} layers, ${written.weightBytes} weight bytes, ${seconds} s`,
        );
      },
    );
}
