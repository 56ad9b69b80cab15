import { InvalidArgumentError, Option, type Command } from 'commander';
import path from 'node:path';
import { TLS_MIN_VERSIONS, type TlsMinVersion } from '../../certs/credentials.js';
import { storeTlsFiles } from '../../certs/store.js';
import { parseSpiffePattern } from '../../services/router/access/spiffe-pattern.js';
import { createLogger } from '../../lib/log.js';
import { setServingHeapGrowth } from '../heap-growth.js';
import { startTelemetry } from '../../lib/telemetry/start-telemetry.js';
import { openModelRepository } from '../../registry/open-model-repository.js';
import { openRegistry, parseRegistryUrl } from '../../registry/open-registry.js';
import { startRouter } from '../../services/router/router-server.js';
import { ConsulClient } from '../../registry/consul-client.js';
import { DEFAULT_MODELS_PREFIX } from '../../registry/model-kv-layout.js';
import { DEFAULT_PLACEMENT_PREFIX } from '../../registry/placement-kv-layout.js';
import { startPlacementLeader } from '../../services/placement/placement-leader.js';
import { DEFAULT_CERTS_DIR, DEFAULT_MODELS_DIR, DEFAULT_REGISTRY_URL, VERSION } from '../paths.js';
import {
  parseChoice,
  parseCount,
  parseDurationMs,
  parseFraction,
  parseHost,
  parseNonNegative,
  parseNonNegativeInteger,
  parsePort,
  parseRegistry,
  sizeBetween,
} from '../option-parsers.js';
import { tierUpForServing } from '../../lib/serving-tier-up.js';
import { stopOnSignals } from '../signals.js';

export function registerRouterCommand(program: Command): void {
  program
    .command('router')
    .description('serve the Open Inference Protocol over TLS, fanning requests out to shards')
    .option('--name <name>', 'certificate name in --certs (NAME.pem, NAME-key.pem)', 'router')
    .option(
      '--models <dir>',
      'with the embedded registry: the model repository folder plans are read from (with consul:// they come from Consul KV: shardmesh publish)',
      DEFAULT_MODELS_DIR,
    )
    .option('--certs <dir>', 'certificate store', DEFAULT_CERTS_DIR)
    .option('--registry <url>', 'consul://HOST:PORT or embedded:DIR', parseRegistry, DEFAULT_REGISTRY_URL)
    .option('--host <host>', 'address to listen on', parseHost, '127.0.0.1')
    .option('--port <port>', 'port to listen on; 0 picks a free one', parsePort, 8001)
    .option(
      '--metrics-port <port>',
      'plain-HTTP port on --host for Prometheus metrics (GET /metrics) and `shardmesh status` (GET /status), 8002 as Triton; 0 picks a free one (the listening line says which)',
      parsePort,
      8002,
    )
    .option('--no-metrics', 'serve no metrics port')
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
    .option(
      '--attempt-timeout-quantile <q>',
      "per-attempt timeout: quantile of the partition's recent attempt latencies it starts from (default 0.99)",
      parseFraction,
    )
    .option(
      '--attempt-timeout-factor <x>',
      'per-attempt timeout: multiplier on that quantile (default 3)',
      parseNonNegative,
    )
    .option(
      '--attempt-timeout-floor-ms <ms>',
      'per-attempt timeout: least value (default 250ms)',
      parseDurationMs,
    )
    .option(
      '--attempt-timeout-ceiling-ms <ms>',
      'per-attempt timeout: greatest value, used until a partition has --attempt-timeout-min-samples (default 10s)',
      parseDurationMs,
    )
    .option(
      '--attempt-timeout-window <n>',
      'per-attempt timeout: successful attempts remembered per partition (default 256)',
      parseCount,
    )
    .option(
      '--attempt-timeout-min-samples <n>',
      'per-attempt timeout: samples needed before the quantile replaces the ceiling (default 16)',
      parseCount,
    )
    .option(
      '--outlier-consecutive-failures <n>',
      'eject a replica after this many failures or attempt timeouts in a row; 0: never (default 5)',
      parseNonNegativeInteger,
    )
    .option(
      '--outlier-base-ejection-ms <ms>',
      'first ejection of a replica; the n-th in a row lasts n times as long (default 30s)',
      parseDurationMs,
    )
    .option('--outlier-max-ejection-ms <ms>', 'longest ejection of a replica (default 5m)', parseDurationMs)
    .option(
      '--hedge',
      "send a second attempt to an idle replica when the first has not answered after --hedge-quantile of the partition's recent latencies; never for sum or mean outputs (default off)",
    )
    .option(
      '--hedge-quantile <q>',
      'with --hedge: quantile of recent latencies after which the hedge goes out (default 0.95)',
      parseFraction,
    )
    .option(
      '--jwks <file>',
      'accept bearer tokens ("authorization: Bearer <JWT>") signed by a key in this JWKS file (public keys, re-read when it changes); needs --token-issuer and --token-audience, and lets clients without a certificate connect',
    )
    .option('--token-issuer <iss>', 'with --jwks: the "iss" tokens must carry')
    .option('--token-audience <aud>', 'with --jwks: the "aud" tokens must carry')
    .option(
      '--allow-client-identity <pattern>',
      'also accept certificates whose SPIFFE id matches as clients (repeatable; * matches within one segment), e.g. spiffe://shardmesh.local/router/*; by default only client identities of the mesh trust domain',
      collectPatterns,
      [],
    )
    .option(
      '--tls-min-version <version>',
      'oldest TLS version clients may use: TLSv1.3, or TLSv1.2 for clients that cannot do 1.3',
      parseChoice(TLS_MIN_VERSIONS),
      'TLSv1.3',
    )
    .addOption(
      new Option(
        '--policy <file>',
        'who may call what, and how much: a policy file (JSON or YAML; re-read when it changes). Without it or --dev-policy every call is denied',
      ).conflicts('devPolicy'),
    )
    .option(
      '--dev-policy',
      "shardmesh up's built-in policy: every client identity and every dev token may do everything, no quotas (for development)",
    )
    .option(
      '--no-placement',
      'with consul://: take no part in placement (by default every router competes for the placement leader lock)',
    )
    .option(
      '--placement-session-ttl <duration>',
      "the router's Consul session TTL: when the placement leader dies another router takes over within it (Consul may take up to twice as long); at least the agent's session_ttl_min",
      parseDurationMs,
      10_000,
    )
    .action(async function (
      this: Command,
      o: {
        placement: boolean;
        placementSessionTtl: number;
        policy?: string;
        devPolicy?: boolean;
        jwks?: string;
        tokenIssuer?: string;
        tokenAudience?: string;
        allowClientIdentity: string[];
        tlsMinVersion: TlsMinVersion;
        name: string;
        models: string;
        certs: string;
        registry: string;
        host: string;
        port: number;
        metricsPort: number;
        metrics: boolean;
        deadlineMs: number;
        maxInflightBytes: number;
        attemptTimeoutQuantile?: number;
        attemptTimeoutFactor?: number;
        attemptTimeoutFloorMs?: number;
        attemptTimeoutCeilingMs?: number;
        attemptTimeoutWindow?: number;
        attemptTimeoutMinSamples?: number;
        outlierConsecutiveFailures?: number;
        outlierBaseEjectionMs?: number;
        outlierMaxEjectionMs?: number;
        hedge?: boolean;
        hedgeQuantile?: number;
      },
    ) {
      tierUpForServing();
      // With Consul, plans come from KV only: a --models given too would be a second source of truth.
      if (parseRegistryUrl(o.registry).kind === 'consul' && this.getOptionValueSource('models') === 'cli')
        this.error(
          'error: --models is for the embedded registry; with consul:// the router reads plans from Consul KV (publish them with `shardmesh publish`)',
        );
      const log = createLogger('router');
      log.info(setServingHeapGrowth(), 'V8 heap growing percent');
      // Before the server starts, so its first request is traced (OTEL_* variables: docs/tracing.md).
      const telemetry = await startTelemetry('router', log);
      const repository = openModelRepository(o.registry, path.resolve(o.models));
      const router = await startRouter(
        {
          host: o.host,
          port: o.port,
          ...(o.metrics ? { metricsPort: o.metricsPort } : {}),
          tls: storeTlsFiles(o.certs, o.name),
          defaultDeadlineMs: o.deadlineMs,
          maxInflightBytes: o.maxInflightBytes,
          ...definedOnly({
            attemptTimeoutQuantile: o.attemptTimeoutQuantile,
            attemptTimeoutFactor: o.attemptTimeoutFactor,
            attemptTimeoutFloorMs: o.attemptTimeoutFloorMs,
            attemptTimeoutCeilingMs: o.attemptTimeoutCeilingMs,
            attemptTimeoutWindow: o.attemptTimeoutWindow,
            attemptTimeoutMinSamples: o.attemptTimeoutMinSamples,
            outlierConsecutiveFailures: o.outlierConsecutiveFailures,
            outlierBaseEjectionMs: o.outlierBaseEjectionMs,
            outlierMaxEjectionMs: o.outlierMaxEjectionMs,
            hedgeQuantile: o.hedgeQuantile,
          }),
          hedging: o.hedge === true,
          allowClientIdentities: o.allowClientIdentity,
          tlsMinVersion: o.tlsMinVersion,
          ...(o.policy !== undefined ? { policy: { file: path.resolve(o.policy) } } : {}),
          ...(o.devPolicy === true ? { policy: 'dev' as const } : {}),
          ...(o.jwks !== undefined || o.tokenIssuer !== undefined || o.tokenAudience !== undefined
            ? {
                tokens: {
                  jwksFile: o.jwks === undefined ? '' : path.resolve(o.jwks),
                  issuer: o.tokenIssuer ?? '',
                  audience: o.tokenAudience ?? '',
                },
              }
            : {}),
        },
        openRegistry(o.registry),
        repository,
        log,
        VERSION,
      );
      const location = parseRegistryUrl(o.registry);
      const placement =
        location.kind === 'consul' && o.placement
          ? startPlacementLeader(
              new ConsulClient(location.host, location.port),
              {
                name: `${o.name}-${process.pid}`,
                modelsPrefix: DEFAULT_MODELS_PREFIX,
                placementPrefix: DEFAULT_PLACEMENT_PREFIX,
                sessionTtlMs: o.placementSessionTtl,
              },
              log,
            )
          : undefined;
      process.stdout.write(
        `${JSON.stringify({ event: 'listening', port: router.port, metricsPort: router.metricsPort })}\n`,
      );
      // The spans of the last calls are exported once they have ended.
      stopOnSignals(async () => {
        await placement?.close();
        await router.close();
        repository.close();
        await telemetry.shutdown();
      }, log);
    });
}

/** Options the command line left out stay absent, so `withRouterDefaults` fills them in one place. */
function definedOnly<T extends Record<string, number | undefined>>(o: T): Partial<Record<keyof T, number>> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<
    Record<keyof T, number>
  >;
}

/** Repeated `--allow-client-identity`, each checked when parsed so a typo is a usage error. */
function collectPatterns(value: string, previous: string[]): string[] {
  try {
    parseSpiffePattern(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
  return [...previous, value];
}
