/**
 * The certificates on disk: one directory holding `ca.pem`, `ca-key.pem`,
 * `<name>.pem` and `<name>-key.pem`; private keys 0600. A pair is replaced
 * through `writeKeyPair` (key-pair-file.ts), so a running router or shard that
 * reloads it (key-pair-watcher.ts) never finds a new key beside an old certificate.
 */
import { X509Certificate } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

import type { CertificateAuthority } from './authority.js';
import { createCertificateAuthority, trustDomainOfAuthority } from './authority.js';
import type { TlsFiles } from './credentials.js';
import type { Identity } from './identity.js';
import { formatSpiffeId, identityFromCertificate, sameIdentity, validateName } from './identity.js';
import type { IssueOptions } from './issue.js';
import { issueCertificate } from './issue.js';
import { writeKeyPair } from './key-pair-file.js';

export const DEFAULT_CERTS_DIR = '.shardmesh/certs';
export const DEFAULT_TRUST_DOMAIN = 'shardmesh.local';

export interface InitAuthorityOptions {
  /** @default the existing CA's trust domain, else DEFAULT_TRUST_DOMAIN */
  trustDomain?: string;
  /** Replace an existing CA. Every certificate it issued stops being trusted. @default false */
  force?: boolean;
  validityDays?: number;
}

export interface LoadedAuthority extends CertificateAuthority {
  trustDomain: string;
}

export interface StoredAuthority extends LoadedAuthority {
  certFile: string;
  keyFile: string;
  notAfter: Date;
  /** False when an existing CA was kept. */
  created: boolean;
}

export interface IssueToStoreOptions extends Omit<IssueOptions, 'trustDomain'> {
  /** Overwrite `<name>.pem` even if it holds a different identity. @default false */
  force?: boolean;
}

export interface StoredCertificate extends TlsFiles {
  certFile: string;
  keyFile: string;
  identity: Identity;
  notAfter: Date;
}

export function authorityPaths(dir: string): { certFile: string; keyFile: string } {
  return { certFile: join(dir, 'ca.pem'), keyFile: join(dir, 'ca-key.pem') };
}

/** The files a process named `name` loads: its pair plus the CA bundle. */
export function storeTlsFiles(dir: string, name: string): Required<TlsFiles> {
  checkStoreName(name);
  return {
    caFile: authorityPaths(dir).certFile,
    certFile: join(dir, `${name}.pem`),
    keyFile: join(dir, `${name}-key.pem`),
  };
}

export async function loadCertificateAuthority(dir: string): Promise<LoadedAuthority> {
  const ca = await readAuthority(dir);
  if (ca === undefined) throw new Error(`no certificate authority in ${dir} (run \`shardmesh certs init\`)`);
  return ca;
}

// Half a CA (cert without key, or the reverse) is an error, not an absence:
// replacing it silently would orphan every certificate the old CA issued.
async function readAuthority(dir: string): Promise<LoadedAuthority | undefined> {
  const { certFile, keyFile } = authorityPaths(dir);
  const [certPem, keyPem] = await Promise.all([readIfPresent(certFile), readIfPresent(keyFile)]);
  if (certPem === undefined && keyPem === undefined) return undefined;
  if (certPem === undefined || keyPem === undefined) {
    throw new Error(
      `incomplete certificate authority in ${dir}: ${certPem === undefined ? certFile : keyFile} is missing`,
    );
  }
  return { certPem, keyPem, trustDomain: trustDomainOfAuthority({ certPem }) };
}

async function readIfPresent(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export async function initCertificateAuthority(
  dir: string,
  options: InitAuthorityOptions = {},
): Promise<StoredAuthority> {
  const paths = authorityPaths(dir);
  if (!options.force) {
    const existing = await readAuthority(dir);
    if (existing !== undefined) {
      if (options.trustDomain !== undefined && options.trustDomain !== existing.trustDomain) {
        throw new Error(
          `${paths.certFile} is for trust domain ${existing.trustDomain}, not ${options.trustDomain}; pass force to replace it`,
        );
      }
      return { ...existing, ...paths, notAfter: expiry(existing.certPem), created: false };
    }
  }
  const trustDomain = options.trustDomain ?? DEFAULT_TRUST_DOMAIN;
  const ca = await createCertificateAuthority({ trustDomain, validityDays: options.validityDays });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeKeyPair(paths, ca.keyPem, ca.certPem);
  return { ...ca, trustDomain, ...paths, notAfter: expiry(ca.certPem), created: true };
}

export async function issueToStore(dir: string, options: IssueToStoreOptions): Promise<StoredCertificate> {
  const files = storeTlsFiles(dir, options.name);
  const ca = await loadCertificateAuthority(dir);
  const identity = { trustDomain: ca.trustDomain, role: options.role, name: options.name };
  if (!options.force) await refuseToClobber(files.certFile, identity);
  const issued = await issueCertificate(ca, options);
  await writeKeyPair(files, issued.keyPem, issued.certPem);
  return { ...files, identity: issued.identity, notAfter: issued.notAfter };
}

// File names drop the role, so shard "a" and router "a" would share a file;
// re-issuing the same identity is rotation, anything else needs force.
async function refuseToClobber(certFile: string, identity: Identity): Promise<void> {
  let existing: Identity;
  try {
    existing = identityFromCertificate(await readFile(certFile));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new Error(
      `${certFile} exists and is not a readable shardmesh certificate; pass force to replace it`,
      {
        cause: error,
      },
    );
  }
  if (!sameIdentity(existing, identity)) {
    throw new Error(
      `${certFile} holds ${formatSpiffeId(existing)}, not ${formatSpiffeId(identity)}; pass force to replace it`,
    );
  }
}

function expiry(certPem: string): Date {
  return new Date(new X509Certificate(certPem).validTo);
}

// "ca" would overwrite the CA's files, and "<x>-key" would collide with x's key.
function checkStoreName(name: string): void {
  validateName(name);
  if (name === 'ca' || name.endsWith('-key')) {
    throw new TypeError(`name ${JSON.stringify(name)} collides with the store's own file names`);
  }
}
