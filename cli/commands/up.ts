import type { Command } from 'commander';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { runCertsInit, runCertsIssue } from '../../certs/cli.js';
import { storeTlsFiles } from '../../certs/store.js';
import { InferenceClient } from '../../lib/grpc/inference-client.js';
import { prepareModelRepository } from '../../partition/demo-models.js';
import { parseRegistryUrl } from '../../registry/open-registry.js';
import { startChildService, type ChildService } from '../child-service.js';
import { demoRequestJson } from '../demo-request.js';
import { DEFAULT_CERTS_DIR, DEFAULT_MODELS_DIR, DEFAULT_REGISTRY_URL } from '../paths.js';

const DEMO_MODEL = 'mlp';
const quiet = (): void => undefined;

export function registerUpCommand(program: Command): void {
  program
    .command('up')
    .description('run a local mesh: dev certificates, demo models, a router and one shard per partition')
    .option('--registry <url>', 'consul://HOST:PORT, or embedded:DIR for a single host', DEFAULT_REGISTRY_URL)
    .option('--port <port>', 'router port', '8001')
    .option('--partitions <n>', 'partitions per demo model, one shard process each', '2')
    .action(async (o: { registry: string; port: string; partitions: string }) => {
      const partitions = Number(o.partitions);
      const location = parseRegistryUrl(o.registry);
      // A fresh embedded registry: heartbeat files left by a previous run's killed shards are stale.
      if (location.kind === 'embedded') await rm(location.dir, { recursive: true, force: true });
      await runCertsInit({ dir: DEFAULT_CERTS_DIR }, quiet);
      const names = [
        ['router', 'router'],
        ['client', 'client'],
        ...Array.from({ length: partitions }, (_, p) => ['shard', `shard-${p}`]),
      ] as const;
      for (const [role, name] of names)
        await runCertsIssue({ dir: DEFAULT_CERTS_DIR, role, name, force: true }, quiet);
      console.log(`preparing demo models in ${DEFAULT_MODELS_DIR} ...`);
      await prepareModelRepository(path.resolve(DEFAULT_MODELS_DIR), { partitions });

      const children: ChildService[] = [];
      const stopAll = async (): Promise<void> => {
        await Promise.all(children.map((c) => c.stop()));
      };
      let stopping = false;
      const shutdown = (code: number): void => {
        if (stopping) return;
        stopping = true;
        void stopAll().then(() => process.exit(code));
      };
      process.on('SIGINT', () => shutdown(0));
      process.on('SIGTERM', () => shutdown(0));
      try {
        const common = [
          '--registry',
          o.registry,
          '--models',
          DEFAULT_MODELS_DIR,
          '--certs',
          DEFAULT_CERTS_DIR,
        ];
        children.push(await startChildService('router', ['router', ...common, '--port', o.port]));
        for (let p = 0; p < partitions; p++) {
          children.push(
            await startChildService(`shard-${p}`, [
              'shard',
              ...common,
              '--name',
              `shard-${p}`,
              '--serve',
              `*/*/*/${p}`,
            ]),
          );
        }
        for (const child of children) {
          void child.exited.then((status) => {
            if (stopping) return;
            console.error(`${child.name} exited (${status}); stopping the mesh`);
            shutdown(1);
          });
        }
        const address = `127.0.0.1:${children[0]!.port}`;
        const client = await InferenceClient.connect(address, storeTlsFiles(DEFAULT_CERTS_DIR, 'client'));
        await client.waitForModel(DEMO_MODEL, 60_000);
        client.close();
        const certs = DEFAULT_CERTS_DIR;
        console.log(`ready  router ${address}  registry ${o.registry}  shards ${partitions}`);
        console.log('call the demo model (a 2-layer MLP split tensor-parallel over the shards):');
        console.log(
          `  .tools/bin/grpcurl -cacert ${certs}/ca.pem -cert ${certs}/client.pem -key ${certs}/client-key.pem ` +
            `-d '${demoRequestJson()}' ${address} inference.GRPCInferenceService/ModelInfer`,
        );
        console.log('stop with Ctrl-C');
      } catch (error) {
        console.error(`shardmesh up failed: ${(error as Error).message}`);
        await stopAll();
        process.exit(1);
      }
    });
}
