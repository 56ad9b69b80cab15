import type { Command } from 'commander';
import { storeTlsFiles } from '../../certs/store.js';
import { InferenceClient } from '../inference-client.js';
import { parseAddress } from '../option-parsers.js';
import { DEFAULT_CERTS_DIR } from '../paths.js';

interface ModelIndex {
  name: string;
  version: string;
  state: string;
  reason: string;
}

interface ClientOptions {
  address: string;
  certs: string;
  name: string;
}

async function withClient<T>(o: ClientOptions, use: (client: InferenceClient) => Promise<T>): Promise<T> {
  const client = await InferenceClient.connect(o.address, storeTlsFiles(o.certs, o.name));
  try {
    return await use(client);
  } finally {
    client.close();
  }
}

/** `shardmesh models list|load|unload`: RepositoryIndex and RepositoryModelLoad/Unload (verb admin). */
export function registerModelsCommand(program: Command): void {
  const models = program
    .command('models')
    .description("list published models, and load or unload them (the router's V2 API)");
  const connection = (command: Command): Command =>
    command
      .option('--address <host:port>', 'router address', parseAddress, '127.0.0.1:8001')
      .option('--certs <dir>', 'certificate store', DEFAULT_CERTS_DIR)
      .option('--name <name>', 'client certificate name', 'client');
  connection(models.command('list').description('every published model version and its state'))
    .option('--json', 'one JSON object per line', false)
    .action(async (o: ClientOptions & { json: boolean }) => {
      const reply = await withClient(o, (c) => c.call<{ models: ModelIndex[] }>('RepositoryIndex', {}));
      for (const m of reply.models)
        console.log(
          o.json ? JSON.stringify(m) : `${m.name}/${m.version} ${m.state}${m.reason ? ` (${m.reason})` : ''}`,
        );
    });
  for (const [verb, rpc, says] of [
    ['load', 'RepositoryModelLoad', 'loaded: its newest ready version serves'],
    ['unload', 'RepositoryModelUnload', 'unloaded: new requests get UNAVAILABLE'],
  ] as const)
    connection(models.command(verb).description(`${verb} a model (desired state in the repository)`))
      .argument('<model>', 'model name')
      .action(async (model: string, o: ClientOptions) => {
        await withClient(o, (c) => c.call(rpc, { model_name: model }));
        console.log(`${model}: ${says}`);
      });
}
