/**
 * Reissues the leaves of a certificate store before they expire (`shardmesh certs renew`). A leaf
 * keeps its identity, its DNS and IP names and, unless told otherwise, its lifetime; it gets a
 * new key. Each pair is written through `writeKeyPair`, so a router or shard watching the files
 * (key-pair-watcher.ts) never loads a mismatched pair and picks the new one up without a restart.
 * Run it from cron or a systemd timer more often than the renewal window is long.
 */
import { X509Certificate } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

import type { Identity } from './identity.js';
import { identityFromCertificate } from './identity.js';
import { issueCertificate } from './issue.js';
import { writeKeyPair } from './key-pair-file.js';
import { authorityPaths, loadCertificateAuthority } from './store.js';
import { parseSubjectAltNames } from './subject-alt-name.js';
import { CLOCK_SKEW_MS, DAY_MS } from './x509.js';

export interface RenewOptions {
  /**
   * Reissue a leaf with at most this long left before it expires (an expired one always).
   * @default a third of each leaf's own lifetime (2⅓ days of a 7-day leaf)
   */
  readonly withinMs?: number;
  /** Lifetime of the reissued leaves. @default each leaf's current lifetime */
  readonly validityDays?: number;
  /** @default now */
  readonly now?: Date;
}

/** What renewal did with one leaf of the store. */
export interface LeafRenewal {
  readonly certFile: string;
  readonly identity: Identity;
  readonly action: 'renewed' | 'kept';
  /** Expiry before renewal. */
  readonly notAfter: Date;
  /** Expiry of the reissued leaf; the same as `notAfter` when kept. */
  readonly newNotAfter: Date;
  /** The window the leaf was judged by. */
  readonly withinMs: number;
}

/** Renews the leaves of `dir` that expire within the window; leaves the others alone. */
export async function renewStore(dir: string, options: RenewOptions = {}): Promise<LeafRenewal[]> {
  if (options.withinMs !== undefined && !(options.withinMs >= 0))
    throw new TypeError(`withinMs must be 0 or more milliseconds; got ${options.withinMs}`);
  const ca = await loadCertificateAuthority(dir);
  const now = options.now ?? new Date();
  const results: LeafRenewal[] = [];
  for (const leaf of await storedLeaves(dir)) {
    const x509 = new X509Certificate(leaf.certPem);
    const notAfter = new Date(x509.validTo);
    const lifetimeMs = notAfter.getTime() - new Date(x509.validFrom).getTime() - CLOCK_SKEW_MS;
    const withinMs = options.withinMs ?? Math.floor(lifetimeMs / 3);
    const base = { certFile: leaf.certFile, identity: leaf.identity, notAfter, withinMs };
    if (notAfter.getTime() - now.getTime() > withinMs) {
      results.push({ ...base, action: 'kept', newNotAfter: notAfter });
      continue;
    }
    const names = parseSubjectAltNames(x509.subjectAltName);
    const issued = await issueCertificate(ca, {
      role: leaf.identity.role,
      name: leaf.identity.name,
      dnsNames: names.filter((n) => n.type === 'DNS').map((n) => n.value),
      ipAddresses: names.filter((n) => n.type === 'IP Address').map((n) => n.value),
      validityDays: options.validityDays ?? Math.max(lifetimeMs, 1000) / DAY_MS,
    });
    await writeKeyPair(leaf, issued.keyPem, issued.certPem);
    results.push({ ...base, action: 'renewed', newNotAfter: issued.notAfter });
  }
  return results;
}

interface StoredLeaf {
  readonly certFile: string;
  readonly keyFile: string;
  readonly certPem: Buffer;
  readonly identity: Identity;
}

/** `NAME.pem` files with a `NAME-key.pem` beside them that hold a shardmesh identity; the CA is not a leaf. */
async function storedLeaves(dir: string): Promise<StoredLeaf[]> {
  const files = new Set(await readdir(dir));
  const caFile = authorityPaths(dir).certFile;
  const leaves: StoredLeaf[] = [];
  for (const file of [...files].sort()) {
    const name = file.slice(0, -'.pem'.length);
    if (!file.endsWith('.pem') || name.endsWith('-key') || !files.has(`${name}-key.pem`)) continue;
    const certFile = join(dir, file);
    if (certFile === caFile) continue;
    const certPem = await readFile(certFile);
    let identity: Identity;
    try {
      identity = identityFromCertificate(certPem);
    } catch {
      continue; // Not a shardmesh leaf: someone else's file in the folder.
    }
    leaves.push({ certFile, keyFile: join(dir, `${name}-key.pem`), certPem, identity });
  }
  return leaves;
}
