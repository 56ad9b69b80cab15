import type { TlsFiles } from '../../certs/credentials.js';
import { DEFAULT_CHUNK_BYTES } from '../../lib/tensor/chunks.js';

export interface RouterOptions {
  /** Folder laid out as `<name>/<version>/plan.json`; the router reads plans only. */
  readonly modelRepository: string;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** The Open Inference Protocol's usual gRPC port. @default 8001 */
  readonly port?: number;
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
  | 'maxInflightBytes';

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
  return o;
}
