import type { Command } from 'commander';
import path from 'node:path';
import { TLS_MIN_VERSIONS, type TlsMinVersion } from '../../certs/credentials.js';
import { storeTlsFiles } from '../../certs/store.js';
import { createLogger } from '../../lib/log.js';
import { setServingHeapGrowth } from '../heap-growth.js';
import { startTelemetry } from '../../lib/telemetry/start-telemetry.js';
import { ConsulClient } from '../../registry/consul-client.js';
import { openRegistry, parseRegistryUrl } from '../../registry/open-registry.js';
import { DEFAULT_PLACEMENT_PREFIX } from '../../registry/placement-kv-layout.js';
import { startPlacementWorker } from '../../services/placement/placement-worker.js';
import { fetchVersion, readPublishedPlan } from '../fetch-version.js';
import type { PartitionSelector } from '../../services/shard/partition-catalog.js';
import { startShard } from '../../services/shard/shard-server.js';
import { DEFAULT_CERTS_DIR, DEFAULT_MODELS_DIR, DEFAULT_REGISTRY_URL } from '../paths.js';
import {
  collectSelector,
  parseChoice,
  parseCount,
  parseDurationMs,
  parseDurationOrZeroMs,
  parseHost,
  parsePort,
  parseRegistry,
  sizeBetween,
} from '../option-parsers.js';
import { stopOnSignals } from '../signals.js';
import { parseKeyFileOption } from '../key-file-option.js';
import { tierUpForServing } from '../../lib/serving-tier-up.js';
import type { KeyEncryptionKey } from '../../lib/seal/key-file.js';

/** The shard's own bounds on `chunkBytes` (services/shard/shard-options.ts), checked here to name the option. */
const parseChunkBytes = sizeBetween(8, 3 << 20);

export function registerShardCommand(program: Command): void {
  program
    .command('shard')
    .description('serve partitions of models with ONNX Runtime over mutual TLS, registered in the registry')
    .option(
      '--serve <selector...>',
      'partitions to serve: MODEL/VERSION/STAGE/PARTITION, any part may be *; without it, --capacity-bytes starts a generic worker',
      collectSelector,
    )
    .option(
      '--capacity-bytes <size>',
      'start as a generic placement worker (Consul registry, no --serve): serve the partitions the placement leader assigns, up to this many bytes of partition files (e.g. 4GiB); files missing from --models are fetched from the plan URLs',
      sizeBetween(1, Number.MAX_SAFE_INTEGER),
    )
    .option(
      '--worker-session-ttl <duration>',
      "a worker's Consul session TTL: a dead worker's partitions are reassigned within it (Consul may take up to twice as long); at least the agent's session_ttl_min",
      parseDurationMs,
      10_000,
    )
    .option('--placement-prefix <prefix>', 'Consul KV prefix of the placement keys', DEFAULT_PLACEMENT_PREFIX)
    .option(
      '--name <name>',
      'certificate name in --certs (NAME.pem, NAME-key.pem); also names the instance',
      'shard',
    )
    .option('--models <dir>', 'model repository', DEFAULT_MODELS_DIR)
    .option('--certs <dir>', 'certificate store', DEFAULT_CERTS_DIR)
    .option('--registry <url>', 'consul://HOST:PORT or embedded:DIR', parseRegistry, DEFAULT_REGISTRY_URL)
    .option('--host <host>', 'address to listen on', parseHost, '127.0.0.1')
    .option(
      '--advertise-address <host>',
      'address routers dial, written to the registry (default: --host; needed when --host is 0.0.0.0 or ::); the certificate must carry it as a SAN, e.g. a Kubernetes pod DNS name or the host IP',
      parseHost,
    )
    .option('--port <port>', 'port to listen on; 0 picks a free one', parsePort, 0)
    .option(
      '--metrics-port <port>',
      'plain-HTTP port on --host for Prometheus metrics (GET /metrics); 0, the default, picks a free one so shards on one host never collide (the listening line and the "shard serving" log line say which)',
      parsePort,
      0,
    )
    .option('--no-metrics', 'serve no metrics port')
    .option(
      '--tls-min-version <version>',
      'oldest TLS version callers may use: TLSv1.3, or TLSv1.2 for callers that cannot do 1.3 (the router always uses 1.3)',
      parseChoice(TLS_MIN_VERSIONS),
      'TLSv1.3',
    )
    .option('--threads <n>', 'ONNX Runtime threads per operator', parseCount, 1)
    .option(
      '--chunk-bytes <size>',
      'largest chunk sent to the router (8 bytes to 3MiB)',
      parseChunkBytes,
      1 << 20,
    )
    .option(
      '--max-inflight-bytes <size>',
      'bytes all calls together may hold (inputs and outputs) until they end (e.g. 512MiB, 2GiB); over it, RESOURCE_EXHAUSTED',
      sizeBetween(1, Number.MAX_SAFE_INTEGER),
      2 ** 31,
    )
    .option(
      '--drain-timeout <duration>',
      'on SIGTERM, how long in-flight calls may run before they end with UNAVAILABLE (e.g. 30s; 0: at once)',
      parseDurationOrZeroMs,
      30_000,
    )
    .option(
      '--key-file <file>',
      'key-encryption key for sealed partitions (base64, mode 0600); they are decrypted in memory only',
      parseKeyFileOption,
    )
    .action(async function (
      this: Command,
      o: {
        serve?: PartitionSelector[];
        capacityBytes?: number;
        workerSessionTtl: number;
        placementPrefix: string;
        name: string;
        models: string;
        certs: string;
        registry: string;
        host: string;
        advertiseAddress?: string;
        port: number;
        metricsPort: number;
        metrics: boolean;
        threads: number;
        chunkBytes: number;
        drainTimeout: number;
        maxInflightBytes: number;
        keyFile?: KeyEncryptionKey;
        tlsMinVersion: TlsMinVersion;
      },
    ) {
      tierUpForServing();
      const location = parseRegistryUrl(o.registry);
      if (o.serve === undefined && o.capacityBytes === undefined)
        this.error(
          'error: give --serve MODEL/VERSION/STAGE/PARTITION, or --capacity-bytes SIZE to start as a generic worker',
        );
      if (o.serve !== undefined && o.capacityBytes !== undefined)
        this.error(
          'error: --capacity-bytes starts a generic worker, which serves what placement assigns: leave out --serve',
        );
      if (o.capacityBytes !== undefined && location.kind !== 'consul')
        this.error(
          'error: --capacity-bytes needs --registry consul://HOST:PORT (placement lives in Consul KV)',
        );
      const models = path.resolve(o.models);
      const log = createLogger(`shard:${o.name}`);
      log.info(setServingHeapGrowth(), 'V8 heap growing percent');
      // Before the server starts, so its first call is traced (OTEL_* variables: docs/tracing.md).
      const telemetry = await startTelemetry('shard', log);
      const registry = openRegistry(o.registry, {
        onError: (e) => log.warn({ err: e.message }, 'registry heartbeat failed'),
      });
      const shard = await startShard(
        {
          name: o.name,
          modelRepository: models,
          serve: o.serve ?? [],
          host: o.host,
          ...(o.advertiseAddress !== undefined ? { advertiseAddress: o.advertiseAddress } : {}),
          port: o.port,
          ...(o.metrics ? { metricsPort: o.metricsPort } : {}),
          tls: storeTlsFiles(o.certs, o.name),
          intraOpThreads: o.threads,
          chunkBytes: o.chunkBytes,
          drainTimeoutMs: o.drainTimeout,
          maxInflightBytes: o.maxInflightBytes,
          ...(o.keyFile ? { keyEncryptionKey: o.keyFile } : {}),
          tlsMinVersion: o.tlsMinVersion,
        },
        registry,
        log,
        location.kind === 'consul'
          ? {
              fetchVersion: async (model, version) => {
                await fetchVersion(await readPublishedPlan(o.registry, model, version), models);
              },
            }
          : {},
      );
      const worker =
        o.capacityBytes === undefined || location.kind !== 'consul'
          ? undefined
          : await startPlacementWorker(
              new ConsulClient(location.host, location.port),
              shard.live,
              {
                worker: {
                  id: shard.instanceId,
                  address: shard.address,
                  port: shard.port,
                  capacityBytes: o.capacityBytes,
                },
                placementPrefix: o.placementPrefix,
                sessionTtlMs: o.workerSessionTtl,
              },
              log,
            );
      // One line on stdout for whoever started us (`shardmesh up`, tests): where we listen.
      process.stdout.write(
        `${JSON.stringify({
          event: 'listening',
          instanceId: shard.instanceId,
          port: shard.port,
          metricsPort: shard.metricsPort,
        })}\n`,
      );
      stopOnSignals(async () => {
        // The worker record goes first, so the leader reassigns while this shard drains.
        await worker?.close();
        await shard.drain();
        // The spans of the last calls are exported once they have ended.
        await telemetry.shutdown();
      }, log);
    });
}
