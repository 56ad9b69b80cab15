/**
 * The SPIFFE identity a shardmesh certificate carries: one URI SAN
 * `spiffe://<trustDomain>/<role>/<name>`. The router trusts a shard only if the
 * shard's certificate carries the identity its registry record claims, and a
 * shard serves only router identities, so this parsing is an authorization
 * boundary: it rejects anything ambiguous rather than guessing.
 */
import { X509Certificate } from 'node:crypto';
import type { PeerCertificate } from 'node:tls';

import { parseSubjectAltNames } from './subject-alt-name.js';

export const ROLES = ['router', 'shard', 'client'] as const;
export type Role = (typeof ROLES)[number];

export interface Identity {
  trustDomain: string;
  role: Role;
  name: string;
}

const SCHEME = 'spiffe://';
// SPIFFE spec: trust domains are lowercase; path segments use this alphabet.
const TRUST_DOMAIN = /^[a-z0-9._-]+$/;
const SEGMENT = /^[A-Za-z0-9._-]+$/;
const MAX_ID_BYTES = 2048;

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** Throws a TypeError naming the bad part, so an invalid identity never reaches a certificate. */
export function validateIdentity(id: Identity): Identity {
  validateTrustDomain(id.trustDomain);
  if (!isRole(id.role)) {
    throw new TypeError(`role must be one of ${ROLES.join(', ')}; got ${JSON.stringify(id.role)}`);
  }
  validateName(id.name);
  return id;
}

/** A name is one SPIFFE path segment; it also names files in the store, so it must not traverse. */
export function validateName(name: string): string {
  if (!SEGMENT.test(name) || name === '.' || name === '..') {
    throw new TypeError(`name must match ${SEGMENT} and not be "." or ".."; got ${JSON.stringify(name)}`);
  }
  return name;
}

export function validateTrustDomain(trustDomain: string): string {
  if (!TRUST_DOMAIN.test(trustDomain)) {
    throw new TypeError(`trust domain must match ${TRUST_DOMAIN}; got ${JSON.stringify(trustDomain)}`);
  }
  return trustDomain;
}

export function formatSpiffeId(id: Identity): string {
  validateIdentity(id);
  return `${SCHEME}${id.trustDomain}/${id.role}/${id.name}`;
}

/** The ID of the trust domain itself (no path), which the CA certificate carries. */
export function formatTrustDomainId(trustDomain: string): string {
  return `${SCHEME}${validateTrustDomain(trustDomain)}`;
}

export function parseSpiffeId(uri: string): Identity {
  const fail = (why: string): never => {
    throw new Error(`malformed SPIFFE ID ${JSON.stringify(uri)}: ${why}`);
  };
  if (Buffer.byteLength(uri) > MAX_ID_BYTES) fail(`longer than ${MAX_ID_BYTES} bytes`);
  if (!uri.startsWith(SCHEME)) fail(`must start with "${SCHEME}"`);
  const rest = uri.slice(SCHEME.length);
  if (/[?#]/.test(rest)) fail('query and fragment are not allowed');
  const [trustDomain = '', ...path] = rest.split('/');
  if (!TRUST_DOMAIN.test(trustDomain))
    fail(`trust domain must match ${TRUST_DOMAIN} (no port, no user info)`);
  if (path.length !== 2) fail('path must be /<role>/<name>');
  const [role = '', name = ''] = path;
  if (!isRole(role)) fail(`role must be one of ${ROLES.join(', ')}`);
  if (!SEGMENT.test(name) || name === '.' || name === '..') fail(`name must match ${SEGMENT}`);
  return { trustDomain, role: role as Role, name };
}

export function sameIdentity(a: Identity, b: Identity): boolean {
  return a.trustDomain === b.trustDomain && a.role === b.role && a.name === b.name;
}

/**
 * The single SPIFFE URI SAN in Node's subjectAltName text. An X.509-SVID carries
 * exactly one; several would let a certificate claim whichever identity suits.
 */
export function spiffeIdFromSubjectAltName(subjectAltName: string | undefined): string {
  const uris = parseSubjectAltNames(subjectAltName)
    .filter((san) => san.type === 'URI' && san.value.toLowerCase().startsWith(SCHEME))
    .map((san) => san.value);
  if (uris.length === 0)
    throw new Error(`certificate carries no SPIFFE ID (subjectAltName: ${subjectAltName ?? 'none'})`);
  if (uris.length > 1)
    throw new Error(`certificate carries ${uris.length} SPIFFE IDs; exactly one is allowed`);
  return uris[0] as string;
}

/**
 * What a grpc-js server sees: `call.getAuthContext().sslPeerCertificate`, which is
 * undefined unless the peer presented a certificate the server's CA verified.
 */
export function identityFromPeerCertificate(cert: PeerCertificate | undefined): Identity {
  if (cert === undefined || cert.raw === undefined) throw new Error('peer presented no verified certificate');
  return parseSpiffeId(spiffeIdFromSubjectAltName(cert.subjectaltname));
}

/** From a PEM string, a PEM or DER buffer, or a certificate object Node already parsed. */
export function identityFromCertificate(cert: string | Buffer | X509Certificate | PeerCertificate): Identity {
  if (typeof cert === 'string' || Buffer.isBuffer(cert)) cert = new X509Certificate(cert);
  if (cert instanceof X509Certificate) return parseSpiffeId(spiffeIdFromSubjectAltName(cert.subjectAltName));
  return identityFromPeerCertificate(cert);
}
