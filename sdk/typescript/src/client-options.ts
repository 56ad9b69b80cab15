import { readFile } from 'node:fs/promises';
import type { ChannelOptions } from '@grpc/grpc-js';
import { withRetryDefaults, type RetryOptions } from './retry-policy.js';

/** Certificates as PEM text or bytes. Give `cert` and `key` together for mutual TLS, or neither. */
export interface TlsPem {
  /** The CA that signed the router's certificate (shardmesh: `ca.pem`). */
  readonly ca: string | Uint8Array;
  /** This client's certificate (shardmesh: `client.pem`). */
  readonly cert?: string | Uint8Array;
  /** Its private key (shardmesh: `client-key.pem`). */
  readonly key?: string | Uint8Array;
}

/** The same certificates as file paths, read once by `connect`. */
export interface TlsFiles {
  readonly caFile: string;
  readonly certFile?: string;
  readonly keyFile?: string;
}

/** A bearer token, or a function asked for one before every call (so it may refresh it). */
export type TokenSource = string | (() => string | Promise<string>);

export interface ConnectOptions {
  /** Server verification, and the client certificate for mutual TLS. Shardmesh routers speak TLS only. */
  readonly tls: (TlsPem | TlsFiles) & {
    /** The name the router's certificate must carry, when it is not the address's host. @default the host */
    readonly serverName?: string;
  };
  /** Sent as `authorization: Bearer …` on every call; with or instead of a client certificate. */
  readonly token?: TokenSource;
  /** Retries of UNAVAILABLE (see RetryOptions). */
  readonly retry?: RetryOptions;
  /** The timeout of a call that names neither `timeoutMs` nor `deadline`. @default 30000 */
  readonly defaultTimeoutMs?: number;
  /** grpc-js channel options, over this client's (unlimited message sizes, 16 MiB flow-control window). */
  readonly channelOptions?: ChannelOptions;
}

/** TLS material read and checked. */
export interface TlsMaterial {
  readonly ca: Buffer;
  readonly cert: Buffer | undefined;
  readonly key: Buffer | undefined;
  readonly serverName: string | undefined;
}

export interface ResolvedOptions {
  readonly tls: TlsMaterial;
  readonly token: TokenSource | undefined;
  readonly retry: Required<RetryOptions>;
  readonly defaultTimeoutMs: number;
  readonly channelOptions: ChannelOptions;
}

const bytes = (pem: string | Uint8Array): Buffer =>
  typeof pem === 'string' ? Buffer.from(pem) : Buffer.from(pem);

/**
 * `options` checked and its files read. Contradictions (PEM and a file for the same thing, a
 * certificate without its key) are a TypeError naming the option.
 */
export async function resolveOptions(options: ConnectOptions): Promise<ResolvedOptions> {
  const tls = options.tls as Partial<TlsPem & TlsFiles> & { serverName?: string };
  if (tls === undefined || tls === null)
    throw new TypeError('tls: required (shardmesh routers speak TLS only)');
  const pairs = [
    ['ca', 'caFile'],
    ['cert', 'certFile'],
    ['key', 'keyFile'],
  ] as const;
  const read: (Buffer | undefined)[] = [];
  for (const [pem, file] of pairs) {
    if (tls[pem] !== undefined && tls[file] !== undefined)
      throw new TypeError(`tls.${pem} and tls.${file}: give one of them, not both`);
    const path = tls[file];
    const value = tls[pem];
    read.push(value !== undefined ? bytes(value) : path !== undefined ? await readFile(path) : undefined);
  }
  const [ca, cert, key] = read;
  if (ca === undefined) throw new TypeError('tls.ca or tls.caFile: required, the CA that signed the router');
  if ((cert === undefined) !== (key === undefined))
    throw new TypeError('tls.cert and tls.key (or tls.certFile and tls.keyFile): give both or neither');
  const defaultTimeoutMs = options.defaultTimeoutMs ?? 30_000;
  if (!(defaultTimeoutMs > 0))
    throw new TypeError(`defaultTimeoutMs ${defaultTimeoutMs}: must be more than 0`);
  if (options.token !== undefined && typeof options.token !== 'string' && typeof options.token !== 'function')
    throw new TypeError('token: a string, or a function that returns one');
  return {
    tls: { ca, cert, key, serverName: tls.serverName },
    token: options.token,
    retry: withRetryDefaults(options.retry),
    defaultTimeoutMs,
    channelOptions: {
      'grpc.max_receive_message_length': -1,
      'grpc.max_send_message_length': -1,
      // Large responses would otherwise wait for a window update every 64 KiB.
      'grpc-node.flow_control_window': 16 << 20,
      ...(tls.serverName === undefined ? {} : { 'grpc.ssl_target_name_override': tls.serverName }),
      ...options.channelOptions,
    },
  };
}
