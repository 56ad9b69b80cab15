import { InvalidArgumentError, type Command } from 'commander';
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { runCertsInit, runCertsIssue } from '../../certs/cli.js';
import {
  DEV_TOKEN_AUDIENCE,
  DEV_TOKEN_ISSUER,
  ensureDevTokenKeys,
  signDevToken,
} from '../../certs/dev-tokens.js';
import { prepareModelRepository } from '../../partition/models/demo-models.js';
import { parseRegistryUrl } from '../../registry/open-registry.js';
import { startLocalMesh, type LocalMesh } from '../local-mesh.js';
import { demoRequestJson } from '../demo-request.js';
import { parseCount, parsePort, parseRegistry } from '../option-parsers.js';
import { parseKeyFileOption } from '../key-file-option.js';
import type { KeyEncryptionKey } from '../../lib/seal/key-file.js';
import {
  DEFAULT_CERTS_DIR,
  DEFAULT_MODELS_DIR,
  DEFAULT_REGISTRY_URL,
  LOGS_DIR,
  STATE_DIR,
} from '../paths.js';
import { portInUseMessage } from '../port-owner.js';
import { reapPreviousRun, removeRunRecord, writeRunRecord } from '../up-run-record.js';

const DEMO_MODEL = 'mlp';
/** The pids of this run (cli/up-run-record.ts), for the next `up` in this folder. */
const RUN_RECORD = path.join(STATE_DIR, 'up.json');
/** Where the router listens: the router command's default --host. */
const ROUTER_HOST = '127.0.0.1';
const quiet = (): void => undefined;
/** Lines of a child's log file `up` prints when the child stops on its own. */
const LOG_TAIL_LINES = 20;

async function logTail(file: string): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.trimEnd().split('\n').slice(-LOG_TAIL_LINES).join('\n');
}

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

/**
 * One shard process per partition number, each serving that partition of every model; given a
 * key-encryption key, each gets `--key-file` (the path, checked already: each shard reads and
 * checks the key itself) so sealed models in the repository are served too.
 */
export function upShards(
  partitions: number,
  keyFile?: KeyEncryptionKey,
): { name: string; serve: string[]; args: string[] }[] {
  return Array.from({ length: partitions }, (_, p) => ({
    name: `shard-${p}`,
    serve: [`*/*/*/${p}`],
    args: keyFile ? ['--key-file', keyFile.file] : [],
  }));
}

interface UpOptions {
  registry: string;
  port: number;
  metricsPort: number;
  partitions: number;
  keyFile?: KeyEncryptionKey;
  verbose?: boolean;
}

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
    .option(
      '--metrics-port <port>',
      "router's plain-HTTP metrics port (/metrics, /status), 8002 as Triton; 0 picks a free one. Each shard gets a free one",
      parsePort,
      8002,
    )
    .option('--partitions <n>', 'partitions per demo model, one shard process each', parseCount, 2)
    .option(
      '--key-file <file>',
      'key-encryption key handed to every shard, for sealed partitions in the repository',
      parseKeyFileOption,
    )
    .option(
      '--verbose',
      `the router's and shards' JSON log lines on this terminal (stderr), instead of one file each under ${LOGS_DIR}`,
    )
    .action(async (o: UpOptions) => {
      const partitions = o.partitions;
      const location = parseRegistryUrl(o.registry);
      await mkdir(STATE_DIR, { recursive: true });
      const previous = await reapPreviousRun(RUN_RECORD);
      if (previous.kind === 'running') {
        const pid = previous.up.pid;
        console.error(
          `shardmesh up failed: another shardmesh up (PID ${pid}) runs in this folder; stop it first (Ctrl-C in its terminal, or kill ${pid})`,
        );
        process.exit(1);
      }
      if (previous.kind === 'stopped' && previous.orphans.length > 0) {
        const names = previous.orphans.map((p) => `${p.name} (PID ${p.pid})`).join(', ');
        console.log(`stopped what an earlier shardmesh up left running: ${names}`);
      }
      const portInUse =
        (o.port === 0 ? undefined : await portInUseMessage(o.port, ROUTER_HOST)) ??
        (o.metricsPort === 0 ? undefined : await portInUseMessage(o.metricsPort, ROUTER_HOST));
      if (portInUse !== undefined) {
        console.error(`shardmesh up failed: ${portInUse}`);
        process.exit(1);
      }
      await writeRunRecord(RUN_RECORD, process.pid, []);
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
      // Both ways to authenticate are on: the client certificate and dev bearer tokens.
      const { jwksFile } = await ensureDevTokenKeys(DEFAULT_CERTS_DIR);
      console.log(`preparing demo models in ${DEFAULT_MODELS_DIR} ...`);
      // A fresh log folder per run: the files of the last run's children would mislead.
      if (!o.verbose) {
        await rm(LOGS_DIR, { recursive: true, force: true });
        await mkdir(LOGS_DIR, { recursive: true });
      }
      await prepareModelRepository(path.resolve(DEFAULT_MODELS_DIR), { partitions });

      let mesh: LocalMesh | undefined;
      let stopping = false;
      const shutdown = (code: number): void => {
        if (stopping) return;
        stopping = true;
        // Before the mesh is up, Ctrl-C reaches the children too (one process group) and they drain.
        void (mesh?.stop() ?? Promise.resolve())
          .then(() => removeRunRecord(RUN_RECORD))
          .then(() => process.exit(code));
      };
      process.on('SIGINT', () => shutdown(0));
      process.on('SIGTERM', () => shutdown(0));
      try {
        mesh = await startLocalMesh({
          registryUrl: o.registry,
          certsDir: DEFAULT_CERTS_DIR,
          modelsDir: DEFAULT_MODELS_DIR,
          routerPort: o.port,
          routerMetricsPort: o.metricsPort,
          routerArgs: [
            ...['--jwks', jwksFile, '--token-issuer', DEV_TOKEN_ISSUER],
            ...['--token-audience', DEV_TOKEN_AUDIENCE],
          ],
          logs: o.verbose ? 'inherit' : { dir: LOGS_DIR },
          logLevel: 'info',
          stopGraceMs: 35_000,
          shards: upShards(partitions, o.keyFile),
        });
        const children = [mesh.router, ...mesh.shards.values()];
        await writeRunRecord(
          RUN_RECORD,
          process.pid,
          children.map((c) => ({ name: c.name, pid: c.process.pid! })),
        );
        const logFile = (name: string): string => path.join(LOGS_DIR, `${name}.log`);
        for (const child of children) {
          const where = o.verbose ? '' : `  log ${logFile(child.name)}`;
          console.log(`started ${child.name.padEnd(8)} 127.0.0.1:${child.port}${where}`);
          void child.exited.then(async (status) => {
            if (stopping) return;
            const tail = o.verbose ? '' : await logTail(logFile(child.name));
            const shown = tail === '' ? '' : `; the end of ${logFile(child.name)}:\n${tail}`;
            console.error(`${child.name} exited (${status}); stopping the mesh${shown}`);
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
        const token = await signDevToken(certs, { subject: 'demo', ttlSeconds: 24 * 3600 });
        console.log(
          'or with a bearer token instead of the client certificate (`shardmesh certs token --subject NAME` prints more):',
        );
        console.log(
          `  .tools/bin/grpcurl -cacert ${certs}/ca.pem -H 'authorization: Bearer ${token}' ` +
            `-d '${demoRequestJson()}' ${address} inference.GRPCInferenceService/ModelInfer`,
        );
        const metrics = `${ROUTER_HOST}:${mesh.router.metricsPort}`;
        console.log(
          `metrics  http://${metrics}/metrics  (the mesh at a glance: shardmesh status --router ${metrics})`,
        );
        console.log('stop with Ctrl-C');
      } catch (error) {
        console.error(`shardmesh up failed: ${(error as Error).message}`);
        await mesh?.stop();
        await removeRunRecord(RUN_RECORD);
        process.exit(1);
      }
    });
}
