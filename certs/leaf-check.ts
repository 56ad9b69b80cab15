/**
 * Whether a certificate and key read from disk may be what a running router or shard presents.
 * A process checks its own files at start and before each reload: a pair that is mismatched,
 * expired or not yet valid, issued by a CA outside the bundle, or for another identity would make
 * every new handshake fail, so it is refused here with a message naming the problem, and a
 * reload keeps the pair already in use.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';

import type { Identity } from './identity.js';
import { formatSpiffeId, identityFromCertificate, sameIdentity } from './identity.js';

/** What a log line and a test need to tell one leaf from another. */
export interface LeafSummary {
  readonly identity: Identity;
  /** Hex, as Node's X509Certificate and PeerCertificate print it. */
  readonly serialNumber: string;
  readonly fingerprint256: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

export interface LeafPair {
  readonly caPem: string | Buffer;
  readonly certPem: string | Buffer;
  readonly keyPem: string | Buffer;
}

/**
 * Checks `pair` at `now`; throws an Error saying what is wrong, else returns the leaf's summary.
 * `expected`, when given, is the identity the process started with: a reload may renew a
 * certificate, never change whom it names.
 */
export function checkLeaf(pair: LeafPair, expected?: Identity, now: Date = new Date()): LeafSummary {
  const leaf = new X509Certificate(pair.certPem);
  if (!leaf.checkPrivateKey(createPrivateKey(pair.keyPem)))
    throw new Error('the private key does not belong to the certificate');
  const identity = identityFromCertificate(leaf);
  if (expected !== undefined && !sameIdentity(identity, expected))
    throw new Error(`the certificate names ${formatSpiffeId(identity)}, not ${formatSpiffeId(expected)}`);
  const notBefore = new Date(leaf.validFrom);
  const notAfter = new Date(leaf.validTo);
  if (now < notBefore) throw new Error(`the certificate is not valid until ${notBefore.toISOString()}`);
  if (now > notAfter) throw new Error(`the certificate expired at ${notAfter.toISOString()}`);
  if (!authorities(pair.caPem).some((ca) => leaf.checkIssued(ca) && leaf.verify(ca.publicKey)))
    throw new Error('the certificate was not issued by a CA in the CA bundle');
  return {
    identity,
    serialNumber: leaf.serialNumber,
    fingerprint256: leaf.fingerprint256,
    notBefore,
    notAfter,
  };
}

/** The certificates of a PEM bundle (a CA file may hold several, e.g. old and new CA during a CA change). */
function authorities(bundle: string | Buffer): X509Certificate[] {
  const text = bundle.toString();
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((pem) => new X509Certificate(pem));
}
