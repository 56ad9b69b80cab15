import { raiseConnectionWindow } from '../../lib/grpc/server-connection-window.js';
import { Server } from '@grpc/grpc-js';
import { ReflectionService } from '@grpc/reflection';
import { SERVER_WINDOW_BYTES, serverCredentials, updateServerCredentials } from '../../certs/credentials.js';
import { KeyPairWatcher } from '../../certs/key-pair-watcher.js';
import { ByteBudget } from '../../lib/byte-budget.js';
import { HealthStatus } from '../../lib/grpc/health-service.js';
import { INFERENCE_SERVICE, loadHealthPackage, routerReflectionDefinition } from '../../lib/grpc/protos.js';
import { routerInferenceDefinition } from '../../lib/grpc/v2-codec.js';
import type { Logger } from '../../lib/log.js';
import type { ModelRepository } from '../../registry/model-repository.js';
import type { Registry } from '../../registry/registry.js';
import { buildRoutingTable, type RoutingTable } from './routing-table.js';
import { inferenceService } from './inference-service.js';
import { ModelCatalog } from './model-catalog.js';
import { ModelStatisticsBook } from './model-statistics.js';
import { ModelBatchers } from './model-batchers.js';
import { systemClock } from './clock.js';
import { shardCaller } from './partition-call.js';
import { ReplicaPicker } from './replica-picker.js';
import { retryPolicyFromOptions } from './retry-policy.js';
import { PartitionLatencies } from './latency-window.js';
import { OutlierDetector } from './outlier-detector.js';
import { withRouterDefaults, type RouterOptions } from './router-options.js';
import { ShardClients } from './shard-clients.js';
import { Authenticator } from './access/authenticator.js';
import { JwksFile } from './access/jwks-file.js';
import { parseSpiffePattern } from './access/spiffe-pattern.js';
import { devPolicy } from './access/dev-policy.js';
import { compilePolicy } from './access/policy.js';
import { PolicyAuthorizer } from './access/policy-authorizer.js';
import { PolicyFile, type PolicySource } from './access/policy-file.js';
import { PolicyQuotas } from './access/quotas.js';
import { startMetricsServer, type RunningMetricsServer } from '../../lib/metrics/metrics-server.js';
import { registerByteBudgetGauges } from '../../lib/metrics/byte-budget-gauges.js';
import { registerCertificateExpiry } from '../../lib/metrics/certificate-expiry.js';
import { RouterMetrics } from './router-metrics.js';
import { routerStatus } from './router-status.js';
import { CHANNELZ_OFF } from '../../lib/grpc/channelz-off.js';

export interface RunningRouter {
  readonly port: number;
  /** The metrics server's port (`/metrics`, `/status`); undefined when it is off. */
  readonly metricsPort: number | undefined;
  /** The current routing table, for status commands and tests. */
  table(): RoutingTable;
  /** Stops the watch, refuses new calls, waits for open ones, closes shard channels. */
  close(): Promise<void>;
}

/**
 * Starts a router. It serves the plans `repository` publishes (watched; the last good list is kept
 * while the repository is unreachable) over the shards `registry` lists. Both are the caller's and
 * stay open: `close` stops the router's watches only.
 */
export async function startRouter(
  options: RouterOptions,
  registry: Registry,
  repository: ModelRepository,
  log: Logger,
  version: string,
): Promise<RunningRouter> {
  const o = withRouterDefaults(options);
  // The router's own pair, reloaded when it changes on disk (`shardmesh certs renew`).
  const certificates = await KeyPairWatcher.open(o.tls, log);
  const tls = certificates.current;
  const identity = certificates.leaf.identity;
  if (identity.role !== 'router') {
    certificates.close();
    throw new TypeError(
      `--cert carries ${identity.role} identity "${identity.name}"; the router needs a router certificate`,
    );
  }
  const jwks = o.tokens && new JwksFile(o.tokens.jwksFile, log);
  const authenticator = new Authenticator({
    trustDomain: identity.trustDomain,
    allowedClientIdentities: o.allowClientIdentities.map(parseSpiffePattern),
    ...(o.tokens && jwks ? { tokens: { ...o.tokens, keys: jwks } } : {}),
  });
  const policyFile = typeof o.policy === 'object' ? await PolicyFile.open(o.policy.file, log) : undefined;
  const policy: PolicySource = policyFile ?? {
    current:
      o.policy === 'dev'
        ? devPolicy()
        : compilePolicy({ version: 1, rules: [] }, '(no policy: every call is denied)'),
  };
  if (o.policy === undefined) log.warn('no --policy: every call will be denied (PERMISSION_DENIED)');
  const clients = new ShardClients(tls);
  let table = buildRoutingTable([]);
  const catalog = new ModelCatalog(() => table);
  // The router listens once it knows the plans (or knows it cannot read them yet), so its first
  // answers do not call a published model unknown.
  let firstAnswer: () => void = () => undefined;
  const answered = new Promise<void>((resolve) => (firstAnswer = resolve));
  const plansWatch = repository.watch(
    (versions) => {
      catalog.replace(versions);
      firstAnswer();
      log.info(
        {
          repository: repository.description,
          models: versions.map((v) => `${v.plan.name}/${v.plan.version}`),
        },
        'model repository updated',
      );
    },
    (error) => {
      firstAnswer();
      // Unreachable, or one entry that does not decode (left out): what decoded keeps serving.
      log.warn({ err: error.message }, 'model repository problem; serving the last good plans');
    },
  );
  await answered;
  const metrics = new RouterMetrics({ table: () => table, plans: () => catalog.plans });
  const watch = registry.watch(
    (instances) => {
      table = buildRoutingTable(instances);
      metrics.tableUpdated();
      clients.retain(instances);
      catalog.observe();
      log.info({ instances: instances.length, models: table.models() }, 'routing table updated');
    },
    (error) => {
      metrics.registryError();
      log.warn({ err: error.message }, 'registry unreachable; routing from the last table');
    },
  );

  const statistics = new ModelStatisticsBook(metrics.forModel);
  const outliers = new OutlierDetector(
    {
      consecutiveFailures: o.outlierConsecutiveFailures,
      baseEjectionMs: o.outlierBaseEjectionMs,
      maxEjectionMs: o.outlierMaxEjectionMs,
    },
    systemClock,
  );
  const picker = new ReplicaPicker((id) => outliers.isEjected(id));
  const execution = {
    table: () => table,
    picker,
    observer: metrics.partitions,
    attempts: {
      latencies: new PartitionLatencies(o.attemptTimeoutWindow),
      timeout: {
        quantile: o.attemptTimeoutQuantile,
        factor: o.attemptTimeoutFactor,
        floorMs: o.attemptTimeoutFloorMs,
        ceilingMs: o.attemptTimeoutCeilingMs,
        minSamples: o.attemptTimeoutMinSamples,
      },
      outliers,
      ...(o.hedging ? { hedge: { quantile: o.hedgeQuantile, minSamples: o.attemptTimeoutMinSamples } } : {}),
    },
    call: shardCaller(clients),
    retry: retryPolicyFromOptions(o),
    clock: systemClock,
    chunkBytes: o.chunkBytes,
  };
  const budget = new ByteBudget(o.maxInflightBytes, 'router');
  registerByteBudgetGauges(metrics.registry, budget);
  registerCertificateExpiry(metrics.registry, certificates);
  const health = new HealthStatus([INFERENCE_SERVICE]);
  const server = new Server({
    ...CHANNELZ_OFF,
    'grpc.max_receive_message_length': o.maxRequestBytes,
    'grpc.max_send_message_length': -1,
  });
  server.addService(
    routerInferenceDefinition(),
    inferenceService({
      catalog,
      table: () => table,
      statistics,
      execution,
      batchers: new ModelBatchers({ table: () => table, statistics, execution, log }),
      defaultDeadlineMs: o.defaultDeadlineMs,
      budget,
      log,
      version,
      repository,
      access: {
        authenticator,
        authorizer: new PolicyAuthorizer(policy, log),
        quotas: new PolicyQuotas(policy, log),
      },
    }),
  );
  server.addService(loadHealthPackage().service.service, health.implementation());
  new ReflectionService(routerReflectionDefinition()).addToServer(server);
  const credentials = serverCredentials({
    ...tls,
    // Token-only clients must be able to connect; the authenticator then refuses calls without either.
    requireClientCert: o.tokens === undefined,
    minVersion: o.tlsMinVersion,
  });
  // A renewed pair: new client connections and new shard channels present it; open ones finish.
  certificates.onChange((material) => {
    updateServerCredentials(credentials, material);
    clients.updateTls(material);
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${o.host}:${o.port}`, credentials, (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  // The connection's window, as the credentials raised each stream's (lib/grpc/server-connection-window.ts).
  raiseConnectionWindow(server, SERVER_WINDOW_BYTES);
  let metricsServer: RunningMetricsServer | undefined;
  if (o.metricsPort !== undefined) {
    try {
      metricsServer = await startMetricsServer({
        host: o.host,
        port: o.metricsPort,
        registry: metrics.registry,
        json: {
          '/status': () =>
            routerStatus({
              table: () => table,
              plans: () => catalog.plans,
              inFlight: (id) => picker.outstanding(id),
              ejected: (id) => outliers.isEjected(id),
              activity: (id) => metrics.partitions.window(id)?.activity(Date.now()),
              certificateNotAfter: () => certificates.leaf.notAfter,
              tableUpdatedMs: () => metrics.tableUpdatedMs,
              nowMs: Date.now,
            }),
        },
      });
    } catch (error) {
      watch.close();
      certificates.close();
      server.forceShutdown();
      throw new TypeError(
        `--metrics-port ${o.metricsPort}: cannot listen on ${o.host}:${o.metricsPort} (${(error as Error).message})`,
        { cause: error },
      );
    }
  }
  log.info(
    {
      host: o.host,
      port,
      metricsPort: metricsServer?.port,
      registry: registry.description,
      repository: repository.description,
    },
    'router serving',
  );
  return {
    port,
    metricsPort: metricsServer?.port,
    table: () => table,
    close: async () => {
      await metricsServer?.close();
      watch.close();
      plansWatch.close();
      certificates.close();
      health.set('NOT_SERVING');
      health.close();
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      clients.close();
      jwks?.close();
      policyFile?.close();
    },
  };
}
