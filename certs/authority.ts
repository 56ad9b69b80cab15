/**
 * The mesh's certificate authority: a self-signed root that signs every router,
 * shard and client certificate. Its trust domain is recorded in the certificate
 * itself (URI SAN `spiffe://<trustDomain>`), so the certificate is the single
 * source of truth and no side file can disagree with it.
 */
import { X509Certificate } from 'node:crypto';

import forge from 'node-forge';

import { formatTrustDomainId, validateTrustDomain } from './identity.js';
import { parseSubjectAltNames } from './subject-alt-name.js';
import { generateRsaKeyPair, randomSerialNumber, sign, validityWindow } from './x509.js';

/** PEM text of the root certificate and its PKCS#8 private key. */
export interface CertificateAuthority {
  certPem: string;
  keyPem: string;
}

export interface CertificateAuthorityOptions {
  /** Lowercase SPIFFE trust domain, e.g. `shardmesh.local`. */
  trustDomain: string;
  /** @default `shardmesh CA (<trustDomain>)` */
  commonName?: string;
  /** @default 3650 */
  validityDays?: number;
}

export const DEFAULT_CA_VALIDITY_DAYS = 3650;

export async function createCertificateAuthority(
  options: CertificateAuthorityOptions,
): Promise<CertificateAuthority> {
  const trustDomain = validateTrustDomain(options.trustDomain);
  const commonName = options.commonName ?? `shardmesh CA (${trustDomain})`;
  const { notBefore, notAfter } = validityWindow(
    options.validityDays ?? DEFAULT_CA_VALIDITY_DAYS,
    'validityDays',
  );
  const keys = await generateRsaKeyPair();

  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = randomSerialNumber();
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
  const subject = [
    { shortName: 'CN', value: commonName },
    { shortName: 'O', value: 'shardmesh' },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    // pathLenConstraint 0: this root signs leaves only, never an intermediate.
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
    { name: 'subjectAltName', altNames: [{ type: 6, value: formatTrustDomainId(trustDomain) }] },
  ]);
  sign(cert, keys.privateKey);
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.keyPem };
}

/** The trust domain a CA certificate records; throws if it records none. */
export function trustDomainOfAuthority(ca: Pick<CertificateAuthority, 'certPem'>): string {
  const x509 = new X509Certificate(ca.certPem);
  const ids = parseSubjectAltNames(x509.subjectAltName)
    .filter((san) => san.type === 'URI' && san.value.startsWith('spiffe://'))
    .map((san) => san.value.slice('spiffe://'.length));
  const [trustDomain] = ids;
  if (ids.length !== 1 || trustDomain === undefined || trustDomain.includes('/')) {
    throw new Error(
      `CA certificate ${x509.subject} does not record exactly one trust domain ID (spiffe://<trust-domain>)`,
    );
  }
  return validateTrustDomain(trustDomain);
}

/** Parses both halves and checks they belong together, so a mixed-up store fails here, not at a peer. */
export function parseCertificateAuthority(ca: CertificateAuthority): {
  cert: forge.pki.Certificate;
  key: forge.pki.rsa.PrivateKey;
} {
  const cert = forge.pki.certificateFromPem(ca.certPem);
  const key = forge.pki.privateKeyFromPem(ca.keyPem);
  const pub = cert.publicKey as forge.pki.rsa.PublicKey;
  if (pub.n.compareTo(key.n) !== 0 || pub.e.compareTo(key.e) !== 0) {
    throw new Error('CA private key does not match the CA certificate');
  }
  return { cert, key };
}
