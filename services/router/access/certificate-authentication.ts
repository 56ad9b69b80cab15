// A call's client certificate as a Principal. The TLS handshake already checked that the mesh CA
// signed it and that it is in date; this decides whether the identity it carries may act as a client.
import type { PeerCertificate } from 'node:tls';
import { formatSpiffeId, parseSpiffeId, spiffeIdFromSubjectAltName } from '../../../certs/identity.js';
import type { Principal } from './principal.js';
import type { SpiffePattern } from './spiffe-pattern.js';

export class CertificateRefused extends Error {}

export interface CertificateAuthenticationOptions {
  /** The router's own trust domain; `client` identities in it are accepted. */
  readonly trustDomain: string;
  /** Further identities accepted as clients (router or shard ones, other trust domains). */
  readonly allowed: readonly SpiffePattern[];
}

/** The Principal a verified peer certificate stands for, or CertificateRefused saying why not. */
export function certificatePrincipal(
  cert: PeerCertificate,
  options: CertificateAuthenticationOptions,
): Principal {
  let id: string;
  try {
    id = formatSpiffeId(parseSpiffeId(spiffeIdFromSubjectAltName(cert.subjectaltname)));
  } catch {
    throw new CertificateRefused(
      'client certificate carries no valid SPIFFE id (spiffe://TRUST-DOMAIN/client/NAME)',
    );
  }
  const principal: Principal = { kind: 'certificate', id, claims: {} };
  if (options.allowed.some((matches) => matches(id))) return principal;
  const identity = parseSpiffeId(id);
  if (identity.trustDomain !== options.trustDomain)
    throw new CertificateRefused(
      `client certificate is of trust domain "${identity.trustDomain}", not this mesh's`,
    );
  if (identity.role !== 'client')
    throw new CertificateRefused(
      `a ${identity.role} certificate is not accepted as a client; use a client certificate or token`,
    );
  return principal;
}
