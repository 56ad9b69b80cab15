import type { Command } from 'commander';
import path from 'node:path';
import { storeTlsFiles } from '../../certs/store.js';
import { createLogger } from '../../lib/log.js';
import { openRegistry } from '../../registry/open-registry.js';
import { startRouter } from '../../services/router/router-server.js';
import { DEFAULT_CERTS_DIR, DEFAULT_MODELS_DIR, DEFAULT_REGISTRY_URL, VERSION } from '../paths.js';
import { parseDurationMs, parseHost, parsePort, parseRegistry, sizeBetween } from '../option-parsers.js';
import { stopOnSignals } from '../signals.js';

export function registerRouterCommand(program: Command): void {
  program
    .command('router')
    .description('serve the Open Inference Protocol over TLS, fanning requests out to shards')
    .option('--name <name>', 'certificate name in --certs (NAME.pem, NAME-key.pem)', 'router')
    .option('--models <dir>', 'model repository (plans are read from it)', DEFAULT_MODELS_DIR)
    .option('--certs <dir>', 'certificate store', DEFAULT_CERTS_DIR)
    .option('--registry <url>', 'consul://HOST:PORT or embedded:DIR', parseRegistry, DEFAULT_REGISTRY_URL)
    .option('--host <host>', 'address to listen on', parseHost, '127.0.0.1')
    .option('--port <port>', 'port to listen on; 0 picks a free one', parsePort, 8001)
    .option(
      '--deadline-ms <ms>',
      'deadline for requests that carry none (60000, 30s, 2m)',
      parseDurationMs,
      60_000,
    )
    .option(
      '--max-inflight-bytes <size>',
      'bytes all requests together may hold until their responses are written (e.g. 512MiB, 2GiB); over it, RESOURCE_EXHAUSTED',
      sizeBetween(1, Number.MAX_SAFE_INTEGER),
      2 ** 31,
    )
    .action(
      async (o: {
        name: string;
        models: string;
        certs: string;
        registry: string;
        host: string;
        port: number;
        deadlineMs: number;
        maxInflightBytes: number;
      }) => {
        const log = createLogger('router');
        const router = await startRouter(
          {
            modelRepository: path.resolve(o.models),
            host: o.host,
            port: o.port,
            tls: storeTlsFiles(o.certs, o.name),
            defaultDeadlineMs: o.deadlineMs,
            maxInflightBytes: o.maxInflightBytes,
          },
          openRegistry(o.registry),
          log,
          VERSION,
        );
        process.stdout.write(`${JSON.stringify({ event: 'listening', port: router.port })}\n`);
        stopOnSignals(() => router.close(), log);
      },
    );
}
