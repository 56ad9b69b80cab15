/**
 * Certificates as grpc-js credentials. Servers and channels in the mesh are
 * always TLS; whether a server demands a client certificate is the caller's
 * choice (shards do, the router's public port may accept bearer tokens instead).
 */
import { readFile } from 'node:fs/promises';
import { checkServerIdentity, createSecureContext } from 'node:tls';
import type { PeerCertificate, SecureContextOptions } from 'node:tls';

import * as grpc from '@grpc/grpc-js';

import type { Identity } from './identity.js';
import { formatSpiffeId, identityFromPeerCertificate, sameIdentity } from './identity.js';
import { settleKeyPair } from './key-pair-file.js';

/** Paths to PEM files. A client may leave out its own pair and dial without a certificate. */
export interface TlsFiles {
  caFile: string;
  certFile?: string;
  keyFile?: string;
}

/** PEM contents: the CA bundle that verifies peers, and this process's own pair. */
export interface TlsMaterial {
  caPem: string | Buffer;
  certPem?: string | Buffer;
  keyPem?: string | Buffer;
}

/**
 * The oldest TLS version a handshake may use. TLS 1.3 only by default: 1.2 is for clients that
 * cannot do better, allowed where an operator says so (`shardmesh router --tls-min-version`).
 */
export type TlsMinVersion = 'TLSv1.3' | 'TLSv1.2';
export const TLS_MIN_VERSIONS: readonly TlsMinVersion[] = ['TLSv1.3', 'TLSv1.2'];

export interface ServerTlsOptions extends TlsMaterial {
  certPem: string | Buffer;
  keyPem: string | Buffer;
  /**
   * true: refuse the TLS handshake unless the client presents a certificate the CA signed.
   * false: still ask for one (so certificate clients are identified) but let clients without one
   * in, for servers that authenticate calls by bearer token instead.
   */
  requireClientCert: boolean;
  /** @default 'TLSv1.3' */
  minVersion?: TlsMinVersion;
}

export async function loadTlsFiles(files: TlsFiles): Promise<TlsMaterial> {
  checkPair(files.certFile, files.keyFile, 'certFile', 'keyFile');
  // A `certs issue` killed between its renames is finished (or undone) before the pair is read.
  if (files.certFile !== undefined && files.keyFile !== undefined)
    await settleKeyPair({ certFile: files.certFile, keyFile: files.keyFile });
  const read = (path: string | undefined): Promise<Buffer | undefined> =>
    path === undefined ? Promise.resolve(undefined) : readFile(path);
  const [caPem, certPem, keyPem] = await Promise.all([
    readFile(files.caFile),
    read(files.certFile),
    read(files.keyFile),
  ]);
  return { caPem, certPem, keyPem };
}

export function serverCredentials(options: ServerTlsOptions): grpc.ServerCredentials {
  const credentials = grpc.ServerCredentials.createSsl(
    toBuffer(options.caPem),
    [{ cert_chain: toBuffer(options.certPem), private_key: toBuffer(options.keyPem) }],
    options.requireClientCert,
  );
  return withServerOptions(credentials, {
    // grpc-js only sets requestCert when it also rejects clients without one; asking always and
    // rejecting as told lets a server accept tokens and certificates on one port.
    requestCert: true,
    rejectUnauthorized: options.requireClientCert,
    minVersion: options.minVersion ?? 'TLSv1.3',
  });
}

/**
 * Puts a new pair (and CA bundle) into server credentials already bound to a port: grpc-js hands
 * it to `setSecureContext` of the port's listener, so connections accepted from now on handshake
 * with it while open ones (and the calls on them) keep theirs. Node's `setSecureContext` resets
 * every option it is not given, so the TLS floor and ciphers go in again; and a context grpc-js
 * fails to build would make the listener drop every new connection, so it is built here first
 * and a bad pair throws before anything changes.
 */
export function updateServerCredentials(
  credentials: grpc.ServerCredentials,
  material: TlsMaterial & { certPem: string | Buffer; keyPem: string | Buffer },
): void {
  const { minVersion, ciphers } = (credentials._getConstructorOptions() ?? {}) as SecureContextOptions;
  const options: SecureContextOptions = {
    ca: toBuffer(material.caPem),
    cert: [toBuffer(material.certPem)],
    key: [toBuffer(material.keyPem)],
    ...(minVersion === undefined ? {} : { minVersion }),
    ...(ciphers === undefined ? {} : { ciphers }),
  };
  createSecureContext(options);
  // Protected in grpc-js's typings; it is how its own certificate-provider credentials update a server.
  (
    credentials as unknown as { updateSecureContextOptions(o: SecureContextOptions): void }
  ).updateSecureContextOptions(options);
}

/**
 * grpc-js disables Nagle's algorithm on the sockets it dials but not on the ones its server
 * accepts, so a server's small frames (response headers, a message, then trailers) wait for the
 * peer's delayed ACK: about 5 ms a call on loopback. Node's server option `noDelay` fixes that;
 * grpc-js passes the credentials' constructor options to `http2.createSecureServer`, which is
 * where it goes in.
 */
/** HTTP/2 receive window a server advertises; the default 64 KiB stalls large uploads on every 64 KiB. */
export const SERVER_WINDOW_BYTES = 16 << 20;

function withServerOptions(credentials: grpc.ServerCredentials, tls: object): grpc.ServerCredentials {
  const internal = credentials as unknown as { _getConstructorOptions(): object | null };
  const original = internal._getConstructorOptions.bind(credentials);
  internal._getConstructorOptions = () => ({
    ...original(),
    ...tls,
    noDelay: true,
    settings: { initialWindowSize: SERVER_WINDOW_BYTES },
  });
  return credentials;
}

/** TLS with the usual hostname (or IP SAN) check against the dialled address. */
export function channelCredentials(material: TlsMaterial): grpc.ChannelCredentials {
  return createChannelCredentials(material, {});
}

/**
 * Like channelCredentials, but the handshake also fails unless the server's
 * certificate carries exactly `expected`. The router uses this to dial a shard
 * only if it is the identity its registry record claims. The failure surfaces
 * as UNAVAILABLE on the call, its details naming both identities.
 */
export function channelCredentialsCheckingIdentity(
  material: TlsMaterial,
  expected: Identity,
): grpc.ChannelCredentials {
  return createChannelCredentials(material, { checkServerIdentity: checkServerSpiffeId(expected) });
}

/**
 * A `checkServerIdentity` for node:tls / grpc-js. Supplying one replaces Node's
 * hostname check rather than adding to it, so this runs that check first.
 */
export function checkServerSpiffeId(
  expected: Identity,
): (hostname: string, cert: PeerCertificate) => Error | undefined {
  const expectedId = formatSpiffeId(expected);
  return (hostname, cert) => {
    const hostError = checkServerIdentity(hostname, cert);
    if (hostError !== undefined) return hostError;
    let actual: Identity;
    try {
      actual = identityFromPeerCertificate(cert);
    } catch (error) {
      return new Error(
        `server identity mismatch: expected ${expectedId}, got no valid SPIFFE ID (${(error as Error).message})`,
      );
    }
    if (sameIdentity(actual, expected)) return undefined;
    return new Error(`server identity mismatch: expected ${expectedId}, got ${formatSpiffeId(actual)}`);
  };
}

function createChannelCredentials(
  material: TlsMaterial,
  verify: grpc.VerifyOptions,
): grpc.ChannelCredentials {
  checkPair(material.certPem, material.keyPem, 'certPem', 'keyPem');
  // createSsl has no way to set a minimum version; a secure context built here does (TLS 1.3 only:
  // every server in the mesh speaks it). Same ciphers as grpc-js: Node's defaults.
  const context = createSecureContext({
    ca: toBuffer(material.caPem),
    ...(material.keyPem === undefined ? {} : { key: toBuffer(material.keyPem) }),
    ...(material.certPem === undefined ? {} : { cert: toBuffer(material.certPem) }),
    minVersion: 'TLSv1.3',
  });
  return grpc.credentials.createFromSecureContext(context, verify);
}

function checkPair(cert: unknown, key: unknown, certName: string, keyName: string): void {
  if ((cert === undefined) !== (key === undefined)) {
    throw new TypeError(`${certName} and ${keyName} go together: give both or neither`);
  }
}

function toBuffer(pem: string | Buffer): Buffer {
  return typeof pem === 'string' ? Buffer.from(pem) : pem;
}
