import { TLS_MIN_VERSIONS, type TlsFiles, type TlsMinVersion } from '../../certs/credentials.js';
import { parseSpiffePattern } from './access/spiffe-pattern.js';
import { DEFAULT_CHUNK_BYTES } from '../../lib/tensor/chunks.js';

export interface RouterOptions {
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** The Open Inference Protocol's usual gRPC port. @default 8001 */
  readonly port?: number;
  /**
   * Port of the plain-HTTP metrics server (`/metrics` in Prometheus text, `/status` for
   * `shardmesh status`), bound to `host`; 0 picks a free one. `shardmesh router` passes 8002,
   * Triton's metrics port. @default none: no metrics server
   */
  readonly metricsPort?: number;
  /** CA, certificate and key; the certificate must carry a router identity. */
  readonly tls: Required<TlsFiles>;
  /** Deadline for a request whose client set none. @default 60000 */
  readonly defaultDeadlineMs?: number;
  /** Largest chunk payload sent to shards. @default 1 MiB */
  readonly chunkBytes?: number;
  /** Largest request a client may send. @default 1 GiB */
  readonly maxRequestBytes?: number;
  /**
   * Attempts per partition call, the first included, for codes `retry-policy.ts` deems retryable;
   * 1 turns retries off. A retry goes to a replica not yet tried when the partition has one.
   * @default 3
   */
  readonly retryMaxAttempts?: number;
  /** Upper bound of the first retry's jittered delay. @default 10 */
  readonly retryInitialBackoffMs?: number;
  /** Upper bound of any retry's delay; no retry is made whose delay would pass the deadline. @default 1000 */
  readonly retryMaxBackoffMs?: number;
  /** Growth of the delay's bound per attempt. @default 2 */
  readonly retryBackoffMultiplier?: number;
  /**
   * Size of the router's retry budget (`retry-budget.ts`): retries stop while half of it or less
   * is left. @default 10
   */
  readonly retryBudgetTokens?: number;
  /** Tokens a successful partition call puts back into the budget. @default 1 */
  readonly retryBudgetTokensPerSuccess?: number;
  /**
   * The router's in-flight byte budget (`lib/byte-budget.ts`): what all requests together may hold,
   * each counted from its arrival (inputs, and outputs as the plan's shapes imply them) until its
   * response has been written to its client. A request that does not fit is refused at once with
   * RESOURCE_EXHAUSTED. @default 2 GiB
   */
  readonly maxInflightBytes?: number;

  // Per-attempt timeouts (`attempt-timeout.ts`): an attempt gets
  // clamp(quantile × factor, floor, ceiling) of its partition's recent latencies, doubled per attempt
  // already made, within the request's deadline; one that passes it is cancelled and retried.
  /** Quantile of a partition's recent successful attempts the timeout starts from. @default 0.99 */
  readonly attemptTimeoutQuantile?: number;
  /** Multiplier on that quantile. @default 3 */
  readonly attemptTimeoutFactor?: number;
  /** Least per-attempt timeout. @default 250 */
  readonly attemptTimeoutFloorMs?: number;
  /** Greatest per-attempt timeout, and the timeout until the window is warm. @default 10000 */
  readonly attemptTimeoutCeilingMs?: number;
  /** Successful attempts a partition's window keeps. @default 256 */
  readonly attemptTimeoutWindow?: number;
  /** Samples a window needs before its quantile replaces the ceiling. @default 16 */
  readonly attemptTimeoutMinSamples?: number;

  // Outlier ejection (`outlier-detector.ts`), Envoy's consecutive-failure detection and defaults.
  /** Retryable failures or attempt timeouts in a row that eject a replica; 0 turns ejection off. @default 5 */
  readonly outlierConsecutiveFailures?: number;
  /** First ejection's length; the n-th in a row lasts n times as long. @default 30000 */
  readonly outlierBaseEjectionMs?: number;
  /** Longest ejection. @default 300000 */
  readonly outlierMaxEjectionMs?: number;

  /**
   * Hedged attempts (`hedge-policy.ts`): when an attempt has not answered after `hedgeQuantile` of
   * its partition's recent latencies and another replica is idle, a second attempt goes out; the
   * first answer wins. Never for a stage with a `sum` or `mean` output. @default false
   */
  readonly hedging?: boolean;
  /** Quantile of a partition's recent latencies after which a hedge goes out. @default 0.95 */
  readonly hedgeQuantile?: number;

  // Authentication (access/authenticator.ts).
  /**
   * Accept bearer JWTs signed by a key in `jwksFile` (re-read when it changes) whose `iss` and `aud`
   * are these. With tokens on, the TLS server lets clients without a certificate connect; calls
   * with neither credential get UNAUTHENTICATED. Without: a client certificate is required at TLS.
   */
  readonly tokens?: { readonly jwksFile: string; readonly issuer: string; readonly audience: string };
  /**
   * SPIFFE id patterns (`*` within one segment) accepted as clients besides the trust domain's
   * `client` identities, e.g. `spiffe://shardmesh.local/router/*`. @default []
   */
  readonly allowClientIdentities?: readonly string[];
  /** Oldest TLS version clients may use. @default 'TLSv1.3' */
  readonly tlsMinVersion?: TlsMinVersion;

  /**
   * Who may do what, and how much (access/policy.ts): a policy file (JSON or YAML, re-read when it
   * changes; an invalid new file keeps the old policy) or `'dev'`, the built-in dev policy of
   * `shardmesh up` (access/dev-policy.ts). Without either every call is denied: authentication
   * alone grants nothing. @default undefined (deny)
   */
  readonly policy?: { readonly file: string } | 'dev';
}

type Defaulted =
  | 'host'
  | 'port'
  | 'defaultDeadlineMs'
  | 'chunkBytes'
  | 'maxRequestBytes'
  | 'retryMaxAttempts'
  | 'retryInitialBackoffMs'
  | 'retryMaxBackoffMs'
  | 'retryBackoffMultiplier'
  | 'retryBudgetTokens'
  | 'retryBudgetTokensPerSuccess'
  | 'maxInflightBytes'
  | 'attemptTimeoutQuantile'
  | 'attemptTimeoutFactor'
  | 'attemptTimeoutFloorMs'
  | 'attemptTimeoutCeilingMs'
  | 'attemptTimeoutWindow'
  | 'attemptTimeoutMinSamples'
  | 'outlierConsecutiveFailures'
  | 'outlierBaseEjectionMs'
  | 'outlierMaxEjectionMs'
  | 'hedging'
  | 'hedgeQuantile'
  | 'allowClientIdentities'
  | 'tlsMinVersion';

export type ResolvedRouterOptions = RouterOptions & Required<Pick<RouterOptions, Defaulted>>;

/** Fills in defaults and refuses contradictory or meaningless values, naming the option. */
export function withRouterDefaults(options: RouterOptions): ResolvedRouterOptions {
  const o = {
    host: '127.0.0.1',
    port: 8001,
    defaultDeadlineMs: 60_000,
    chunkBytes: DEFAULT_CHUNK_BYTES,
    maxRequestBytes: 1 << 30,
    retryMaxAttempts: 3,
    retryInitialBackoffMs: 10,
    retryMaxBackoffMs: 1_000,
    retryBackoffMultiplier: 2,
    retryBudgetTokens: 10,
    retryBudgetTokensPerSuccess: 1,
    maxInflightBytes: 2 ** 31,
    attemptTimeoutQuantile: 0.99,
    attemptTimeoutFactor: 3,
    attemptTimeoutFloorMs: 250,
    attemptTimeoutCeilingMs: 10_000,
    attemptTimeoutWindow: 256,
    attemptTimeoutMinSamples: 16,
    outlierConsecutiveFailures: 5,
    outlierBaseEjectionMs: 30_000,
    outlierMaxEjectionMs: 300_000,
    hedging: false,
    hedgeQuantile: 0.95,
    allowClientIdentities: [],
    tlsMinVersion: 'TLSv1.3' as TlsMinVersion,
    ...options,
  };
  if (!(o.chunkBytes >= 8 && o.chunkBytes <= 3 << 20))
    throw new TypeError(`chunkBytes ${o.chunkBytes}: must be between 8 bytes and 3 MiB`);
  if (!(o.defaultDeadlineMs > 0))
    throw new TypeError(`defaultDeadlineMs ${o.defaultDeadlineMs}: must be positive`);
  if (!(Number.isInteger(o.retryMaxAttempts) && o.retryMaxAttempts >= 1))
    throw new TypeError(`retryMaxAttempts ${o.retryMaxAttempts}: must be an integer of at least 1`);
  if (!(o.retryInitialBackoffMs >= 0))
    throw new TypeError(`retryInitialBackoffMs ${o.retryInitialBackoffMs}: must be 0 or more`);
  if (!(o.retryMaxBackoffMs >= o.retryInitialBackoffMs))
    throw new TypeError(
      `retryMaxBackoffMs ${o.retryMaxBackoffMs}: must be at least retryInitialBackoffMs (${o.retryInitialBackoffMs})`,
    );
  if (!(o.retryBackoffMultiplier >= 1))
    throw new TypeError(`retryBackoffMultiplier ${o.retryBackoffMultiplier}: must be at least 1`);
  if (!(o.retryBudgetTokens > 0 && Number.isFinite(o.retryBudgetTokens)))
    throw new TypeError(`retryBudgetTokens ${o.retryBudgetTokens}: must be a positive number`);
  if (!(o.retryBudgetTokensPerSuccess >= 0 && Number.isFinite(o.retryBudgetTokensPerSuccess)))
    throw new TypeError(`retryBudgetTokensPerSuccess ${o.retryBudgetTokensPerSuccess}: must be 0 or more`);
  if (!(Number.isSafeInteger(o.maxInflightBytes) && o.maxInflightBytes > 0))
    throw new TypeError(`maxInflightBytes ${o.maxInflightBytes}: must be a positive whole number of bytes`);
  if (
    o.metricsPort !== undefined &&
    !(Number.isInteger(o.metricsPort) && o.metricsPort >= 0 && o.metricsPort <= 65535)
  )
    throw new TypeError(`metricsPort ${o.metricsPort}: must be a port number from 0 to 65535`);
  if (o.metricsPort !== undefined && o.metricsPort !== 0 && o.metricsPort === o.port)
    throw new TypeError(`metricsPort ${o.metricsPort}: must differ from port`);
  checkAttemptOptions(o);
  checkAccessOptions(o);
  return o;
}

const isCount = (n: number): boolean => Number.isSafeInteger(n) && n >= 1;

function checkAttemptOptions(o: ResolvedRouterOptions): void {
  if (!(o.attemptTimeoutQuantile > 0 && o.attemptTimeoutQuantile <= 1))
    throw new TypeError(`attemptTimeoutQuantile ${o.attemptTimeoutQuantile}: must be in (0, 1]`);
  if (!(o.attemptTimeoutFactor >= 1 && Number.isFinite(o.attemptTimeoutFactor)))
    throw new TypeError(`attemptTimeoutFactor ${o.attemptTimeoutFactor}: must be a number of at least 1`);
  if (!(o.attemptTimeoutFloorMs > 0))
    throw new TypeError(`attemptTimeoutFloorMs ${o.attemptTimeoutFloorMs}: must be positive`);
  if (!(o.attemptTimeoutCeilingMs >= o.attemptTimeoutFloorMs && Number.isFinite(o.attemptTimeoutCeilingMs)))
    throw new TypeError(
      `attemptTimeoutCeilingMs ${o.attemptTimeoutCeilingMs}: must be at least attemptTimeoutFloorMs (${o.attemptTimeoutFloorMs})`,
    );
  if (!isCount(o.attemptTimeoutWindow))
    throw new TypeError(`attemptTimeoutWindow ${o.attemptTimeoutWindow}: must be an integer of at least 1`);
  if (!(isCount(o.attemptTimeoutMinSamples) && o.attemptTimeoutMinSamples <= o.attemptTimeoutWindow))
    throw new TypeError(
      `attemptTimeoutMinSamples ${o.attemptTimeoutMinSamples}: must be an integer from 1 to attemptTimeoutWindow (${o.attemptTimeoutWindow})`,
    );
  if (!(Number.isSafeInteger(o.outlierConsecutiveFailures) && o.outlierConsecutiveFailures >= 0))
    throw new TypeError(`outlierConsecutiveFailures ${o.outlierConsecutiveFailures}: must be an integer ≥ 0`);
  if (!(o.hedgeQuantile > 0 && o.hedgeQuantile <= 1))
    throw new TypeError(`hedgeQuantile ${o.hedgeQuantile}: must be in (0, 1]`);
  if (!(o.outlierBaseEjectionMs > 0))
    throw new TypeError(`outlierBaseEjectionMs ${o.outlierBaseEjectionMs}: must be positive`);
  if (!(o.outlierMaxEjectionMs >= o.outlierBaseEjectionMs && Number.isFinite(o.outlierMaxEjectionMs)))
    throw new TypeError(
      `outlierMaxEjectionMs ${o.outlierMaxEjectionMs}: must be at least outlierBaseEjectionMs (${o.outlierBaseEjectionMs})`,
    );
}

function checkAccessOptions(o: ResolvedRouterOptions): void {
  for (const pattern of o.allowClientIdentities) parseSpiffePattern(pattern);
  if (!TLS_MIN_VERSIONS.includes(o.tlsMinVersion))
    throw new TypeError(`tlsMinVersion ${o.tlsMinVersion}: must be one of ${TLS_MIN_VERSIONS.join(', ')}`);
  if (o.tokens && !(o.tokens.jwksFile && o.tokens.issuer && o.tokens.audience))
    throw new TypeError('tokens: jwksFile, issuer and audience go together; give all three');
}
