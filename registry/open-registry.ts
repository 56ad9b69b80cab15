import { resolve } from 'node:path';
import { ConsulRegistry } from './consul-registry.js';
import { DEFAULT_EMBEDDED_DIR, EmbeddedRegistry } from './embedded-registry.js';
import type { Registry } from './registry.js';

/**
 * Turns the one registry setting a user writes (`--registry`, config) into a `Registry`:
 * `consul://HOST[:PORT]` (port 8500 when omitted, as Consul's own default) or `embedded:DIR`
 * (`embedded:` alone means the default folder; a relative DIR resolves against the working
 * directory, so every process started from one place agrees on the folder).
 */

export type RegistryLocation =
  | { readonly kind: 'consul'; readonly host: string; readonly port: number }
  | { readonly kind: 'embedded'; readonly dir: string };

const DEFAULT_CONSUL_PORT = 8500;

/** Throws a `TypeError` that quotes the bad URL and says which forms are accepted. */
export function parseRegistryUrl(url: string): RegistryLocation {
  const fail = (why: string): never => {
    throw new TypeError(
      `registry URL ${JSON.stringify(url)} ${why}; expected consul://HOST:PORT or embedded:/path/to/dir`,
    );
  };
  if (url.startsWith('embedded:')) {
    const dir = url.slice('embedded:'.length);
    return { kind: 'embedded', dir: resolve(dir === '' ? DEFAULT_EMBEDDED_DIR : dir) };
  }
  if (!url.startsWith('consul://')) return fail('has an unknown scheme');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return fail('does not parse');
  }
  if (parsed.hostname === '') fail('has no host');
  if (parsed.username !== '' || parsed.password !== '') fail('must not carry credentials');
  if ((parsed.pathname !== '' && parsed.pathname !== '/') || parsed.search !== '' || parsed.hash !== '') {
    fail('must not have a path, query or fragment');
  }
  const port = parsed.port === '' ? DEFAULT_CONSUL_PORT : Number(parsed.port);
  // URL keeps IPv6 brackets in `hostname`; the consul package builds `http://HOST:PORT`, so keep them.
  return { kind: 'consul', host: parsed.hostname, port };
}

export interface OpenRegistryOptions {
  /** Heartbeat failures of registrations made through the registry. @default ignore */
  readonly onError?: (error: Error) => void;
  /** Embedded only: how often watches reread the folder. @default 250 */
  readonly pollMs?: number;
}

export function openRegistry(url: string, options: OpenRegistryOptions = {}): Registry {
  const location = parseRegistryUrl(url);
  const onError = options.onError === undefined ? {} : { onError: options.onError };
  if (location.kind === 'consul')
    return new ConsulRegistry({ host: location.host, port: location.port, ...onError });
  return new EmbeddedRegistry({
    dir: location.dir,
    ...onError,
    ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }),
  });
}
