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
}

type Defaulted = 'host' | 'port' | 'defaultDeadlineMs' | 'chunkBytes' | 'maxRequestBytes';

export function withRouterDefaults(
  options: RouterOptions,
): RouterOptions & Required<Pick<RouterOptions, Defaulted>> {
  const o = {
    host: '127.0.0.1',
    port: 8001,
    defaultDeadlineMs: 60_000,
    chunkBytes: DEFAULT_CHUNK_BYTES,
    maxRequestBytes: 1 << 30,
    ...options,
  };
  if (o.chunkBytes < 8 || o.chunkBytes > 3 << 20)
    throw new TypeError(`chunkBytes ${o.chunkBytes}: must be between 8 bytes and 3 MiB`);
  if (o.defaultDeadlineMs <= 0)
    throw new TypeError(`defaultDeadlineMs ${o.defaultDeadlineMs}: must be positive`);
  return o;
}
