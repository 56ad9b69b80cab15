import { InvalidArgumentError, type Command } from 'commander';
import { writeScaleModel } from '../../partition/models/synthetic-scale.js';

const bytes = (value: string): number => {
  const match = /^(\d+(?:\.\d+)?)\s*(|k|m|g)i?b?$/i.exec(value.trim());
  if (!match) throw new InvalidArgumentError('expected a size such as 1GiB, 512MiB or 1073741824');
  const scale = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30 }[
    match[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'
  ];
  return Math.round(Number(match[1]) * scale);
};

export function registerGenerateCommand(program: Command): void {
  program
    .command('generate')
    .description(
      'write a seeded synthetic model (MLP or transformer blocks) of at least the given weight size',
    )
    .argument('<kind>', 'mlp or transformer')
    .requiredOption('--out <file>', 'the .onnx file to write')
    .option('--size <bytes>', 'weight bytes to reach, e.g. 1GiB', bytes, 2 ** 30)
    .option('--seed <n>', 'seed of the weights', '1')
    .option('--constants', 'store weights as Constant nodes instead of initializers', false)
    .action(async (kind: string, o: { out: string; size: number; seed: string; constants: boolean }) => {
      if (kind !== 'mlp' && kind !== 'transformer')
        throw new InvalidArgumentError(`kind ${kind}: expected mlp or transformer`);
      const started = performance.now();
      const written = await writeScaleModel(o.out, {
        kind,
        targetBytes: o.size,
        seed: Number(o.seed),
        weightsAs: o.constants ? 'constant' : 'initializer',
      });
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      console.log(
        `${o.out}: ${kind}, ${written.layers} layers, ${written.weightBytes} weight bytes, ${seconds} s`,
      );
    });
}
