import { InvalidArgumentError, type Command } from 'commander';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { runCertsInit, runCertsIssue } from '../../certs/cli.js';
import { prepareModelRepository } from '../../partition/models/demo-models.js';
import { parseRegistryUrl } from '../../registry/open-registry.js';
import { startLocalMesh, type LocalMesh } from '../local-mesh.js';
import { demoRequestJson } from '../demo-request.js';
import { parseCount, parsePort, parseRegistry } from '../option-parsers.js';
import { DEFAULT_CERTS_DIR, DEFAULT_MODELS_DIR, DEFAULT_REGISTRY_URL } from '../paths.js';

const DEMO_MODEL = 'mlp';
const quiet = (): void => undefined;

/**
 * `up` empties an embedded registry's folder at start, so that folder must not hold the working
 * directory: `--registry embedded:.` would otherwise delete everything under it.
 */
const parseUpRegistry = (value: string): string => {
  const location = parseRegistryUrl(parseRegistry(value));
  if (location.kind === 'embedded') {
    const fromDir = path.relative(location.dir, path.resolve('.'));
    const holdsCwd = fromDir !== '..' && !fromDir.startsWith(`..${path.sep}`) && !path.isAbsolute(fromDir);
    if (holdsCwd)
      throw new InvalidArgumentError(
        'expected a folder that does not hold the working directory (up empties it at start)',
      );
  }
  return value;
};

export function registerUpCommand(program: Command): void {
  program
    .command('up')
    .description('run a local mesh: dev certificates, demo models, a router and one shard per partition')
    .option(
      '--registry <url>',
      'consul://HOST:PORT, or embedded:DIR for a single host',
      parseUpRegistry,
      DEFAULT_REGISTRY_URL,
    )
    .option('--port <port>', 'router port; 0 picks a free one', parsePort, 8001)
    .option('--partitions <n>', 'partitions per demo model, one shard process each', parseCount, 2)
    .action(async (o: { registry: string; port: number; partitions: number }) => {
      const partitions = o.partitions;
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

      let mesh: LocalMesh | undefined;
      let stopping = false;
      const shutdown = (code: number): void => {
        if (stopping) return;
        stopping = true;
        // Before the mesh is up, Ctrl-C reaches the children too (one process group) and they drain.
        void (mesh?.stop() ?? Promise.resolve()).then(() => process.exit(code));
      };
      process.on('SIGINT', () => shutdown(0));
      process.on('SIGTERM', () => shutdown(0));
      try {
        mesh = await startLocalMesh({
          registryUrl: o.registry,
          certsDir: DEFAULT_CERTS_DIR,
          modelsDir: DEFAULT_MODELS_DIR,
          routerPort: o.port,
          logs: 'inherit',
          logLevel: 'info',
          stopGraceMs: 35_000,
          shards: Array.from({ length: partitions }, (_, p) => ({
            name: `shard-${p}`,
            serve: [`*/*/*/${p}`],
          })),
        });
        for (const child of [mesh.router, ...mesh.shards.values()]) {
          void child.exited.then((status) => {
            if (stopping) return;
            console.error(`${child.name} exited (${status}); stopping the mesh`);
            shutdown(1);
          });
        }
        await mesh.waitForModel(DEMO_MODEL, 60_000);
        const address = mesh.address;
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
        await mesh?.stop();
        process.exit(1);
      }
    });
}
