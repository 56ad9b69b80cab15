#!/usr/bin/env node
import { Command } from 'commander';
import { registerCertsCommand } from './commands/certs.js';
import { registerInferCommand } from './commands/infer.js';
import { registerModelsCommand } from './commands/models.js';
import { registerPolicyCommand } from './commands/policy.js';
import { registerPublishCommands } from './commands/publish.js';
import { registerRouterCommand } from './commands/router.js';
import { registerSealCommand } from './commands/seal.js';
import { registerShardCommand } from './commands/shard.js';
import { registerSplitCommand } from './commands/split.js';
import { registerGenerateCommand } from './commands/generate.js';
import { registerUpCommand } from './commands/up.js';
import { registerStatusCommand } from './commands/status.js';
import { VERSION } from './paths.js';
import { dropIpServernameWarning } from './ip-servername-warning.js';

const USAGE_ERROR_EXIT_CODE = 2;

dropIpServernameWarning();

const program = new Command('shardmesh')
  .description(
    'serve ONNX models cut into partitions across shard processes, behind one Open Inference Protocol endpoint',
  )
  .version(VERSION)
  // Root options only before the command name, so `split --version V` names a model version.
  .enablePositionalOptions()
  // A usage error (bad option value, unknown option, missing argument) exits 2, as for most Unix
  // tools, so scripts can tell it from a command that ran and failed (1). Help and --version exit 0.
  // Set before the commands are added: each copies it when created.
  .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : USAGE_ERROR_EXIT_CODE));
registerUpCommand(program);
registerRouterCommand(program);
registerShardCommand(program);
registerCertsCommand(program);
registerInferCommand(program);
registerSplitCommand(program);
registerGenerateCommand(program);
registerPolicyCommand(program);
registerSealCommand(program);
registerPublishCommands(program);
registerModelsCommand(program);
registerStatusCommand(program);

program.parseAsync().catch((error: unknown) => {
  console.error(`shardmesh: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
