import { randomUUID } from 'node:crypto';
import { Server, status as Status } from '@grpc/grpc-js';
import {
  formatSpiffeId,
  identityFromCertificate,
  identityFromPeerCertificate,
} from '../../certs/identity.js';
import { loadTlsFiles, serverCredentials, type TlsFiles } from '../../certs/credentials.js';
import { HealthStatus } from '../../lib/grpc/health-service.js';
import { loadHealthPackage, loadShardPackage, SHARD_SERVICE } from '../../lib/grpc/protos.js';
import { ServiceError } from '../../lib/grpc/service-error.js';
import type { Logger } from '../../lib/log.js';
import type { Registration, Registry } from '../../registry/registry.js';
import { serveInferCall, type InferStream } from './infer-call.js';
import { OrtRunner } from './ort-runner.js';
import {
  PartitionCatalog,
  partitionKey,
  selectPartitions,
  type PartitionSelector,
} from './partition-catalog.js';
import type { ShardOptions } from './shard-options.js';
import { withShardDefaults } from './shard-options.js';

/** Largest message a shard accepts: chunks are far smaller, so anything bigger is a broken peer. */
const MAX_MESSAGE_BYTES = 4 << 20;

export interface RunningShard {
  readonly address: string;
  readonly port: number;
  readonly instanceId: string;
  /** Stops taking calls, deregisters, finishes in-flight calls, then closes. */
  drain(): Promise<void>;
}

/** Starts a shard: load partitions, listen with mTLS, then register each partition. */
export async function startShard(
  options: ShardOptions,
  registry: Registry,
  log: Logger,
): Promise<RunningShard> {
  const o = withShardDefaults(options);
  const tls = await loadTlsFiles(o.tls as TlsFiles);
  const ownIdentity = identityFromCertificate(tls.certPem as Buffer);
  const served = await selectPartitions(o.modelRepository, o.serve as PartitionSelector[]);
  if (served.length === 0)
    throw new TypeError(
      `--serve ${o.serve.map((s) => Object.values(s).join('/'))} matches no partition in ${o.modelRepository}`,
    );
  const catalog = new PartitionCatalog(served);
  await catalog.load((p) => OrtRunner.load(p.file, p.weightBytes, { intraOpThreads: o.intraOpThreads }));
  const instanceId = `${o.name}-${randomUUID().slice(0, 8)}`;
  const health = new HealthStatus([SHARD_SERVICE]);
  let draining = false;
  const inFlight = new Set<Promise<void>>();

  const server = new Server({ 'grpc.max_receive_message_length': MAX_MESSAGE_BYTES });
  server.addService(loadHealthPackage().service.service, health.implementation());
  server.addService(loadShardPackage().service.service, {
    Infer: (call: InferStream) => {
      const peer = call.getAuthContext()?.sslPeerCertificate;
      let refusal: ServiceError | undefined;
      try {
        const identity = identityFromPeerCertificate(peer);
        if (identity.role !== 'router' || identity.trustDomain !== ownIdentity.trustDomain) {
          refusal = new ServiceError(
            Status.PERMISSION_DENIED,
            `${formatSpiffeId(identity)} is not a router of ${ownIdentity.trustDomain}; shards serve routers only`,
          );
        }
      } catch {
        refusal = new ServiceError(
          Status.UNAUTHENTICATED,
          'a router certificate with a SPIFFE identity is required',
        );
      }
      if (!refusal && draining)
        refusal = new ServiceError(
          Status.UNAVAILABLE,
          `shard ${instanceId} is draining; send to another replica`,
        );
      if (refusal) {
        call.emit('error', { code: refusal.code, details: refusal.details });
        return;
      }
      const done = serveInferCall(call, {
        runner: (key) => catalog.runner(key),
        chunkBytes: o.chunkBytes,
        instanceId,
        log,
      });
      inFlight.add(done);
      void done.finally(() => inFlight.delete(done));
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(
      `${o.host}:${o.port}`,
      serverCredentials({ ...tls, certPem: tls.certPem!, keyPem: tls.keyPem!, requireClientCert: true }),
      (error, bound) => (error ? reject(error) : resolve(bound)),
    ),
  );
  const address = o.advertiseAddress ?? o.host;
  const registrations: Registration[] = [];
  for (const p of served) {
    registrations.push(
      await registry.register(
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
      ),
    );
  }
  log.info(
    { instanceId, address, port, partitions: served.map(partitionKey), registry: registry.description },
    'shard serving',
  );

  let drained: Promise<void> | undefined;
  const drain = async (): Promise<void> => {
    draining = true;
    health.set('NOT_SERVING');
    await Promise.allSettled(registrations.map((r) => r.deregister()));
    log.info({ inFlight: inFlight.size }, 'shard draining');
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, o.drainTimeoutMs).unref());
    await Promise.race([Promise.allSettled([...inFlight]), timeout]);
    health.close();
    await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    await catalog.close();
    log.info('shard stopped');
  };
  return { address, port, instanceId, drain: () => (drained ??= drain()) };
}
