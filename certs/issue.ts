/**
 * Issues the leaf certificates routers, shards and clients present. Every leaf
 * is good for both ends of a TLS connection (serverAuth + clientAuth) because
 * in the mesh each process both serves and dials.
 */
import forge from 'node-forge';

import type { CertificateAuthority } from './authority.js';
import { parseCertificateAuthority, trustDomainOfAuthority } from './authority.js';
import type { Identity, Role } from './identity.js';
import { formatSpiffeId, validateIdentity } from './identity.js';
import { generateRsaKeyPair, ipAddressBytes, randomSerialNumber, sign, validityWindow } from './x509.js';

export interface IssueOptions {
  role: Role;
  name: string;
  /** Must equal the CA's trust domain. @default the CA's trust domain */
  trustDomain?: string;
  /** @default ['localhost'] */
  dnsNames?: string[];
  /** Peers dial by address, so the default covers loopback. @default ['127.0.0.1', '::1'] */
  ipAddresses?: string[];
  /**
   * Capped at the CA's own expiry. Short, so a leaked key is good for days, not months; routers
   * and shards reload renewed files while running (`shardmesh certs renew`). @default 7
   */
  validityDays?: number;
  /** Start of validity, for certificates issued ahead of time. @default now (less 5 minutes of clock skew) */
  validFrom?: Date;
}

export interface IssuedCertificate {
  certPem: string;
  /** PKCS#8, unencrypted. */
  keyPem: string;
  identity: Identity;
  notAfter: Date;
}

export const DEFAULT_DNS_NAMES: readonly string[] = ['localhost'];
export const DEFAULT_IP_ADDRESSES: readonly string[] = ['127.0.0.1', '::1'];
export const DEFAULT_LEAF_VALIDITY_DAYS = 7;

export async function issueCertificate(
  ca: CertificateAuthority,
  options: IssueOptions,
): Promise<IssuedCertificate> {
  const caTrustDomain = trustDomainOfAuthority(ca);
  if (options.trustDomain !== undefined && options.trustDomain !== caTrustDomain) {
    throw new TypeError(
      `trustDomain ${JSON.stringify(options.trustDomain)} differs from the CA's trust domain ${JSON.stringify(caTrustDomain)}`,
    );
  }
  const identity = validateIdentity({ trustDomain: caTrustDomain, role: options.role, name: options.name });
  const authority = parseCertificateAuthority(ca);
  const dnsNames = options.dnsNames ?? DEFAULT_DNS_NAMES;
  for (const dns of dnsNames) {
    if (!/^(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$/.test(dns))
      throw new TypeError(`dnsNames: not a DNS name: ${JSON.stringify(dns)}`);
  }
  const ipBytes = (options.ipAddresses ?? DEFAULT_IP_ADDRESSES).map(ipAddressBytes);
  const { notBefore, notAfter } = validityWindow(
    options.validityDays ?? DEFAULT_LEAF_VALIDITY_DAYS,
    'validityDays',
    authority.cert.validity.notAfter,
    options.validFrom,
  );
  const keys = await generateRsaKeyPair();

  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = randomSerialNumber();
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
  // The subject is for humans reading logs; peers authorize on the URI SAN only.
  // X.509 caps a CN at 64 characters.
  cert.setSubject([
    { shortName: 'CN', value: identity.name.slice(0, 64) },
    { shortName: 'OU', value: identity.role },
    { shortName: 'O', value: 'shardmesh' },
  ]);
  cert.setIssuer(authority.cert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        { type: 6, value: formatSpiffeId(identity) },
        ...dnsNames.map((value) => ({ type: 2, value })),
        ...ipBytes.map((value) => ({ type: 7, value })),
      ],
    },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: authorityKeyId(authority.cert) },
  ]);
  sign(cert, authority.key);
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.keyPem, identity, notAfter };
}

// Copy the CA's own SKI rather than recomputing it, so chains still link for a
// CA made by another tool with another SKI method.
function authorityKeyId(caCert: forge.pki.Certificate): string {
  const ski = caCert.getExtension('subjectKeyIdentifier') as { subjectKeyIdentifier?: string } | undefined;
  if (ski?.subjectKeyIdentifier !== undefined) return forge.util.hexToBytes(ski.subjectKeyIdentifier);
  return caCert.generateSubjectKeyIdentifier().getBytes();
}
