import { raiseConnectionWindow } from '../../lib/grpc/server-connection-window.js';
import { MAX_SHARD_MESSAGE_BYTES } from '../../lib/grpc/shard-messages.js';
import { randomUUID } from 'node:crypto';
import { Server, status as Status } from '@grpc/grpc-js';
import { formatSpiffeId, identityFromPeerCertificate } from '../../certs/identity.js';
import {
  SERVER_WINDOW_BYTES,
  serverCredentials,
  updateServerCredentials,
  type TlsFiles,
} from '../../certs/credentials.js';
import { KeyPairWatcher } from '../../certs/key-pair-watcher.js';
import { ByteBudget } from '../../lib/byte-budget.js';
import { HealthStatus } from '../../lib/grpc/health-service.js';
import { loadHealthPackage, SHARD_SERVICE } from '../../lib/grpc/protos.js';
import { shardServiceDefinition } from '../../lib/grpc/shard-service.js';
import { ServiceError } from '../../lib/grpc/service-error.js';
import type { Logger } from '../../lib/log.js';
import type { Registration, Registry } from '../../registry/registry.js';
import { DelayedRunner } from './delayed-runner.js';
import { ShardStream, type InferStream } from './shard-stream.js';
import type { ModelRunner } from './model-runner.js';
import { openPartition } from './open-partition.js';
import { PartitionCatalog, partitionKey, type ServedPartition } from './partition-catalog.js';
import { loadServedPartitions } from './load-served-partitions.js';
import { LivePartitions } from './live-partitions.js';
import type { ShardOptions } from './shard-options.js';
import { withShardDefaults } from './shard-options.js';
import { ShardMetrics } from './shard-metrics.js';
import { startMetricsServer, type RunningMetricsServer } from '../../lib/metrics/metrics-server.js';
import { registerByteBudgetGauges } from '../../lib/metrics/byte-budget-gauges.js';
import { registerCertificateExpiry } from '../../lib/metrics/certificate-expiry.js';
import { CHANNELZ_OFF } from '../../lib/grpc/channelz-off.js';

/**
 * After the drain timeout has ended the calls still open, how long their statuses get to reach
 * the router before the connections are destroyed (a router that stopped reading never takes them).
 */
const STATUS_FLUSH_MS = 1_000;

export interface RunningShard {
  readonly address: string;
  readonly port: number;
  /** The metrics server's port (`/metrics`); undefined when it is off. */
  readonly metricsPort: number | undefined;
  readonly instanceId: string;
  /** Partitions loaded and unloaded at run time: what a generic worker is assigned (placement). */
  readonly live: LivePartitions;
  /**
   * Stops taking calls (new ones get UNAVAILABLE), deregisters, and waits for the calls in flight
   * for up to `drainTimeoutMs`; any still open then end with UNAVAILABLE (the router may retry them
   * elsewhere). Then closes. Resolves within about `drainTimeoutMs` + 1 s, whatever the calls do.
   */
  drain(): Promise<void>;
}

/** What the shard is built from, swappable by tests. */
export interface ShardSeams {
  /** Opens a partition's runner. @default ONNX Runtime on the partition's file */
  readonly openRunner?: (partition: ServedPartition) => Promise<ModelRunner>;
  /**
   * How a worker brings the files of a version assigned to it that its `--models` folder lacks
   * (`shardmesh fetch` from the plan's URLs). @default none: such a partition fails to load
   */
  readonly fetchVersion?: (model: string, version: string) => Promise<void>;
}

/** Starts a shard: load partitions, listen with mTLS, then register each partition. */
export async function startShard(
  options: ShardOptions,
  registry: Registry,
  log: Logger,
  seams: ShardSeams = {},
): Promise<RunningShard> {
  const o = withShardDefaults(options);
  // The shard's own pair, reloaded when it changes on disk (`shardmesh certs renew`).
  const certificates = await KeyPairWatcher.open(o.tls as Required<TlsFiles>, log);
  const ownIdentity = certificates.leaf.identity;
  const open =
    seams.openRunner ??
    ((p: ServedPartition) =>
      openPartition(p, o.keyEncryptionKey, {
        intraOpThreads: o.intraOpThreads,
        cpuMemArena: o.ortCpuMemArena,
      }));
  const openServed = async (p: ServedPartition): Promise<ModelRunner> => {
    const runner = await open(p);
    return o.testRunDelayMs > 0 ? new DelayedRunner(runner, o.testRunDelayMs) : runner;
  };
  // A generic worker (no --serve) starts empty and loads what placement assigns it.
  const catalog =
    o.serve.length === 0 ? new PartitionCatalog([]) : await loadServedPartitions(o, log, openServed);
  if (o.testRunDelayMs > 0)
    log.warn({ testRunDelayMs: o.testRunDelayMs }, 'TEST ONLY: every partition run is delayed');
  const served = catalog.partitions;
  const instanceId = `${o.name}-${randomUUID().slice(0, 8)}`;
  const health = new HealthStatus([SHARD_SERVICE]);
  let draining = false;
  const streams = new Set<ShardStream>();
  const drainingRefusal = (): ServiceError =>
    new ServiceError(Status.UNAVAILABLE, `shard ${instanceId} is draining; send to another replica`);
  const budget = new ByteBudget(o.maxInflightBytes, 'shard');
  const metrics = new ShardMetrics(served);
  registerByteBudgetGauges(metrics.registry, budget);
  registerCertificateExpiry(metrics.registry, certificates);
  // Set once the shard listens (registering needs its port); no call arrives before that.
  let live: LivePartitions = undefined as unknown as LivePartitions;
  const openCalls = (): number => [...streams].reduce((n, s) => n + s.openCalls, 0);

  const server = new Server({ ...CHANNELZ_OFF, 'grpc.max_receive_message_length': MAX_SHARD_MESSAGE_BYTES });
  server.addService(loadHealthPackage().service.service, health.implementation());
  server.addService(shardServiceDefinition, {
    // One long-lived stream carrying many calls: the router's identity is checked here, once.
    Infer: (call: InferStream) => {
      const refusal = refuseStream(call) ?? (draining ? drainingRefusal() : undefined);
      if (refusal) {
        call.emit('error', { code: refusal.code, details: refusal.details });
        return;
      }
      const stream = new ShardStream(call, {
        runner: (key) => catalog.runner(key) ?? live.runner(key),
        chunkBytes: o.chunkBytes,
        instanceId,
        log,
        budget,
        observe: (key) => metrics.partition(key),
        refuseNewCalls: () => (draining ? drainingRefusal() : undefined),
      });
      streams.add(stream);
      void stream.ended.then(() => streams.delete(stream));
    },
  });

  /** Why a stream's peer may not call this shard, or undefined for a router of its trust domain. */
  function refuseStream(call: InferStream): ServiceError | undefined {
    try {
      const peer = call.getAuthContext()?.sslPeerCertificate;
      const identity = identityFromPeerCertificate(peer);
      if (identity.role === 'router' && identity.trustDomain === ownIdentity.trustDomain) {
        // Streams are long-lived (a few per router connection): which router certificate each
        // connection presented is worth a line, e.g. to see a renewed one in use.
        log.info(
          { peer: formatSpiffeId(identity), serialNumber: peer?.serialNumber },
          'router stream opened',
        );
        return undefined;
      }
      return new ServiceError(
        Status.PERMISSION_DENIED,
        `${formatSpiffeId(identity)} is not a router of ${ownIdentity.trustDomain}; shards serve routers only`,
      );
    } catch {
      return new ServiceError(
        Status.UNAUTHENTICATED,
        'a router certificate with a SPIFFE identity is required',
      );
    }
  }
  const credentials = serverCredentials({
    ...certificates.current,
    requireClientCert: true,
    minVersion: o.tlsMinVersion,
  });
  // A renewed pair: routers' new connections get it; open streams and their calls keep theirs.
  certificates.onChange((material) => updateServerCredentials(credentials, material));
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
      });
    } catch (error) {
      server.forceShutdown();
      await catalog.close();
      certificates.close();
      throw new TypeError(
        `--metrics-port ${o.metricsPort}: cannot listen on ${o.host}:${o.metricsPort} (${(error as Error).message})`,
        { cause: error },
      );
    }
  }
  const address = o.advertiseAddress ?? o.host;
  const register = (p: ServedPartition): Promise<Registration> =>
    registry.register(
      {
        id: `${instanceId}-${partitionKey(p).replaceAll('/', '-')}`,
        address,
        port,
        model: p.model,
        version: p.version,
        stage: p.stage,
        partition: p.partition,
        partitionCount: p.partitionCount,
        identity: formatSpiffeId(ownIdentity),
      },
      { ttlMs: o.registrationTtlMs },
    );
  const registrations: Registration[] = [];
  for (const p of served) registrations.push(await register(p));
  live = new LivePartitions({
    modelRepository: o.modelRepository,
    open: openServed,
    register,
    drainTimeoutMs: o.drainTimeoutMs,
    log,
    ...(seams.fetchVersion ? { fetchMissing: seams.fetchVersion } : {}),
  });
  log.info(
    {
      instanceId,
      address,
      port,
      metricsPort: metricsServer?.port,
      partitions: served.map(partitionKey),
      registry: registry.description,
    },
    'shard serving',
  );

  /** Resolves with true once `calls` have all ended, or with false after `ms`. */
  const settledWithin = async (calls: Promise<unknown>[], ms: number): Promise<boolean> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
    try {
      return await Promise.race([Promise.allSettled(calls).then(() => true as const), timeout]);
    } finally {
      clearTimeout(timer);
    }
  };

  let drained: Promise<void> | undefined;
  const drain = async (): Promise<void> => {
    draining = true;
    health.set('NOT_SERVING');
    await Promise.allSettled([...registrations.map((r) => r.deregister()), live.deregister()]);
    log.info({ inFlight: openCalls(), drainTimeoutMs: o.drainTimeoutMs }, 'shard draining');
    // Each stream refuses new calls from now on and ends once its open calls have.
    for (const stream of streams) stream.drain();
    const ended = (): Promise<void>[] => [...streams].map((s) => s.ended);
    const allEnded = await settledWithin(ended(), o.drainTimeoutMs);
    if (!allEnded) {
      log.warn(
        { inFlight: openCalls(), drainTimeoutMs: o.drainTimeoutMs },
        'drain timeout passed; ending the calls still in flight with UNAVAILABLE',
      );
      const reason = new ServiceError(
        Status.UNAVAILABLE,
        `shard ${instanceId} stopped: its drain timeout of ${o.drainTimeoutMs} ms passed before this call finished; retry on another replica`,
      );
      // Each call ends at once; its stream ends when its last call has.
      for (const stream of streams) stream.stop(reason);
      await Promise.allSettled(ended());
    }
    health.close();
    const closed = new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    if (!(await settledWithin([closed], STATUS_FLUSH_MS))) server.forceShutdown();
    await catalog.close();
    await live.close();
    certificates.close();
    await metricsServer?.close();
    log.info({ cutOff: !allEnded }, 'shard stopped');
  };
  return {
    address,
    port,
    metricsPort: metricsServer?.port,
    instanceId,
    live,
    drain: () => (drained ??= drain()),
  };
}
