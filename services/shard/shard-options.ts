import { TLS_MIN_VERSIONS, type TlsFiles, type TlsMinVersion } from '../../certs/credentials.js';
import type { KeyEncryptionKey } from '../../lib/seal/key-file.js';
import { DEFAULT_CHUNK_BYTES } from '../../lib/tensor/chunks.js';
import type { PartitionSelector } from './partition-catalog.js';

export interface ShardOptions {
  /** Folder laid out as `<name>/<version>/plan.json`. */
  readonly modelRepository: string;
  /** Partitions to serve; see `parseSelector`. */
  readonly serve: readonly PartitionSelector[];
  /** Names this process in logs and in its instance ids. @default 'shard' */
  readonly name?: string;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** 0 picks a free port. @default 0 */
  readonly port?: number;
  /**
   * Port of the plain-HTTP `/metrics` server (Prometheus text), bound to `host`; 0 picks a free
   * one, which the `listening` line and the `shard serving` log line report (several shards share a
   * host, so `shardmesh shard` defaults to 0). @default none: no metrics server
   */
  readonly metricsPort?: number;
  /**
   * Address written to the registry: routers on other hosts dial it, and it must be in the
   * shard certificate's SANs. Required when `host` is a wildcard (0.0.0.0, ::), which no router can
   * dial. @default host
   */
  readonly advertiseAddress?: string;
  /** CA, certificate and key; the certificate must carry a shard identity. */
  readonly tls: Required<TlsFiles>;
  /**
   * Oldest TLS version a caller may use. The router dials with TLS 1.3 only; 1.2 is for callers
   * generated from shard.proto by stacks that cannot do 1.3. @default 'TLSv1.3'
   */
  readonly tlsMinVersion?: TlsMinVersion;
  /** Largest chunk payload sent back. @default 1 MiB */
  readonly chunkBytes?: number;
  /** ONNX Runtime threads per operator. @default 1 */
  readonly intraOpThreads?: number;
  /** How long SIGTERM waits for in-flight calls. @default 30000 */
  readonly drainTimeoutMs?: number;
  /**
   * The shard's in-flight byte budget (`lib/byte-budget.ts`): what all calls together may hold,
   * each counted from its header (inputs, and outputs as the partition declares them) until it
   * ends. A call that does not fit is answered at once with an in-band RESOURCE_EXHAUSTED, which
   * the router retries on another replica. @default 2 GiB
   */
  readonly maxInflightBytes?: number;
  /** ONNX Runtime's CPU memory arena (see `OrtRunnerOptions.cpuMemArena`). @default false */
  readonly ortCpuMemArena?: boolean;
  /**
   * The operator's key-encryption key, for sealed partitions (docs/sealed-partitions.md): they are
   * decrypted in memory only. Without it a sealed partition is refused ("sealed; start the shard
   * with --key-file") and the others are served. @default none
   */
  readonly keyEncryptionKey?: KeyEncryptionKey;
  /** Registry heartbeat TTL. @default 5000 */
  readonly registrationTtlMs?: number;
  /**
   * TEST ONLY: every partition run first waits this long (stopping early when its call ends), so
   * integration tests can catch a call mid-run. Never set it in production.
   * @default SHARDMESH_TEST_RUN_DELAY_MS from the environment, else 0
   */
  readonly testRunDelayMs?: number;
}

type Defaulted =
  | 'name'
  | 'host'
  | 'port'
  | 'chunkBytes'
  | 'intraOpThreads'
  | 'drainTimeoutMs'
  | 'registrationTtlMs'
  | 'maxInflightBytes'
  | 'ortCpuMemArena'
  | 'tlsMinVersion'
  | 'testRunDelayMs';

/** The one place the shard reads its test-only run delay from the environment. */
const TEST_RUN_DELAY_ENV = 'SHARDMESH_TEST_RUN_DELAY_MS';

function testRunDelayFromEnv(): number {
  const text = process.env[TEST_RUN_DELAY_ENV];
  if (text === undefined || text === '') return 0;
  const ms = Number(text);
  if (!Number.isInteger(ms) || ms < 0)
    throw new TypeError(`${TEST_RUN_DELAY_ENV}=${text}: must be a whole number of milliseconds`);
  return ms;
}

/** Addresses that mean "every interface" to bind, and nothing to dial. */
const WILDCARD_ADDRESSES: ReadonlySet<string> = new Set(['0.0.0.0', '::', '[::]', '::0']);

export function withShardDefaults(
  options: ShardOptions,
): ShardOptions & Required<Pick<ShardOptions, Defaulted>> {
  const o = {
    name: 'shard',
    host: '127.0.0.1',
    port: 0,
    chunkBytes: DEFAULT_CHUNK_BYTES,
    intraOpThreads: 1,
    drainTimeoutMs: 30_000,
    registrationTtlMs: 5_000,
    maxInflightBytes: 2 ** 31,
    ortCpuMemArena: false,
    tlsMinVersion: 'TLSv1.3' as TlsMinVersion,
    ...options,
    testRunDelayMs: options.testRunDelayMs ?? testRunDelayFromEnv(),
  };
  if (o.chunkBytes < 8 || o.chunkBytes > 3 << 20)
    throw new TypeError(`chunkBytes ${o.chunkBytes}: must be between 8 bytes and 3 MiB`);
  if (o.intraOpThreads < 1) throw new TypeError(`intraOpThreads ${o.intraOpThreads}: must be at least 1`);
  if (!(o.drainTimeoutMs >= 0))
    throw new TypeError(`drainTimeoutMs ${o.drainTimeoutMs}: must be 0 or more milliseconds`);
  if (!(Number.isSafeInteger(o.maxInflightBytes) && o.maxInflightBytes > 0))
    throw new TypeError(`maxInflightBytes ${o.maxInflightBytes}: must be a positive whole number of bytes`);
  const advertised = o.advertiseAddress ?? o.host;
  if (WILDCARD_ADDRESSES.has(advertised))
    throw new TypeError(
      o.advertiseAddress === undefined
        ? `host ${o.host} listens on every interface, but is no address a router can dial: set advertiseAddress (--advertise-address) to this host's address`
        : `advertiseAddress ${advertised}: no router can dial it; give this host's address`,
    );
  if (!TLS_MIN_VERSIONS.includes(o.tlsMinVersion))
    throw new TypeError(`tlsMinVersion ${o.tlsMinVersion}: must be one of ${TLS_MIN_VERSIONS.join(', ')}`);
  if (
    o.metricsPort !== undefined &&
    !(Number.isInteger(o.metricsPort) && o.metricsPort >= 0 && o.metricsPort <= 65535)
  )
    throw new TypeError(`metricsPort ${o.metricsPort}: must be a port number from 0 to 65535`);
  return o;
}
