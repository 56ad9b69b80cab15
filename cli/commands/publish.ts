import type { Command } from 'commander';
import { parseCount, parseRegistry } from '../option-parsers.js';
import { publishVersion } from '../publish-version.js';
import { fetchVersion, readPublishedPlan } from '../fetch-version.js';

/** `shardmesh publish` and `shardmesh fetch`: the two ends of the Consul model repository. */
export function registerPublishCommands(program: Command): void {
  program
    .command('publish')
    .description(
      "write a model version's plan, with each partition file's size and SHA-256, to the model repository in Consul KV (docs/model-repository.md)",
    )
    .argument('<dir>', 'the version folder, models/NAME/VERSION (plan.json and the partition files)')
    .requiredOption('--registry <url>', 'consul://HOST:PORT', parseRegistry)
    .option(
      '--base-url <url>',
      'where `shardmesh fetch` downloads the partition files from: file://, http:// or https:// URL of the version folder',
    )
    .option('--prefix <prefix>', 'Consul KV prefix of the repository', 'shardmesh/models/')
    .option(
      '--replicas <n>',
      'replicas of each partition the placement leader keeps on generic workers (written beside the plan; may be changed by publishing again with another value; default 1)',
      parseCount,
    )
    .action(
      async (dir: string, o: { registry: string; baseUrl?: string; prefix: string; replicas?: number }) => {
        const { plan, outcome } = await publishVersion(dir, {
          registryUrl: o.registry,
          prefix: o.prefix,
          ...(o.replicas === undefined ? {} : { replicas: o.replicas }),
          ...(o.baseUrl === undefined ? {} : { baseUrl: o.baseUrl }),
        });
        const files = plan.stages.reduce((n, s) => n + s.partitions.length, 0);
        console.log(
          `${plan.name}/${plan.version}: ${outcome === 'written' ? 'published' : 'already published, unchanged'} (${files} partition files)`,
        );
      },
    );
  program
    .command('fetch')
    .description(
      "download a published version's partition files from the URLs in its plan into a model folder, checking sizes and SHA-256s",
    )
    .argument('<model>', 'NAME/VERSION')
    .requiredOption('--registry <url>', 'consul://HOST:PORT', parseRegistry)
    .requiredOption('--out <dir>', 'model repository folder to write NAME/VERSION/ into')
    .option('--prefix <prefix>', 'Consul KV prefix of the repository', 'shardmesh/models/')
    .action(async (model: string, o: { registry: string; out: string; prefix: string }) => {
      const match = /^([A-Za-z0-9_.-]+)\/([0-9]+)$/.exec(model);
      if (!match) throw new TypeError(`model ${JSON.stringify(model)}: expected NAME/VERSION, as mlp/2`);
      const plan = await readPublishedPlan(o.registry, match[1]!, match[2]!, o.prefix);
      console.log(`${model}: written to ${await fetchVersion(plan, o.out)}`);
    });
}
