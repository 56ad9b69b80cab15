#!/usr/bin/env node
/**
 * `node dist/cli/health-probe-main.js --certs DIR --name NAME [--port 8001]`: the Kubernetes exec
 * probe of the chart (deploy/helm/shardmesh); see health-probe.ts for why it is not kubelet's
 * `grpc:` probe. Exits 0 when the server answers SERVING, 1 otherwise (NOT_SERVING while draining,
 * no answer within --timeout-ms, a refused handshake), 2 on a usage error; prints one line saying
 * which. Not a `shardmesh` command: main.ts loads every command, ONNX Runtime included, which a
 * probe every few seconds should not pay for.
 */
import { Command } from 'commander';
import { probeHealth } from './health-probe.js';
import { parseDurationMs, parseHost, parsePort } from './option-parsers.js';

const USAGE_ERROR_EXIT_CODE = 2;

async function main(): Promise<void> {
  const program = new Command('health-probe')
    .description('one grpc.health.v1 Check of a router or shard over mutual TLS; exit 0 when SERVING')
    .requiredOption('--certs <dir>', 'certificate store holding ca.pem, NAME.pem and NAME-key.pem')
    .requiredOption('--name <name>', 'certificate name in --certs to present')
    .option('--host <host>', 'address to dial', parseHost, '127.0.0.1')
    .option('--port <port>', 'port to dial', parsePort, 8001)
    .option('--service <name>', "health service name; '' for the whole server", '')
    .option('--timeout-ms <ms>', 'how long to wait for the answer (2000, 2s)', parseDurationMs, 2_000)
    .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : USAGE_ERROR_EXIT_CODE));
  program.parse();
  const o = program.opts<{
    certs: string;
    name: string;
    host: string;
    port: number;
    service: string;
    timeoutMs: number;
  }>();
  const result = await probeHealth({ ...o, certsDir: o.certs });
  process.stdout.write(`${result.message}\n`);
  process.exitCode = result.serving ? 0 : 1;
}

await main();
