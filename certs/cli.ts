/**
 * The bodies of `shardmesh certs init`, `issue` and `renew`. The command
 * definitions (commander) live in cli/; these take already-parsed options,
 * print what they wrote for a human, and return it for tests and scripts.
 */
import { X509Certificate } from 'node:crypto';

import { formatSpiffeId, formatTrustDomainId, isRole, ROLES } from './identity.js';
import type { StoredAuthority, StoredCertificate } from './store.js';
import { renewStore, type LeafRenewal } from './renew.js';
import {
  DEFAULT_CERTS_DIR,
  initCertificateAuthority,
  issueToStore,
  loadCertificateAuthority,
} from './store.js';
import { DAY_MS } from './x509.js';

export type Print = (line: string) => void;

export interface CertsInitOptions {
  /** @default DEFAULT_CERTS_DIR */
  dir?: string;
  /** Leave undefined to keep an existing CA's trust domain. @default DEFAULT_TRUST_DOMAIN for a new CA */
  trustDomain?: string;
  /** @default false */
  force?: boolean;
  validityDays?: number;
}

export interface CertsIssueOptions {
  /** @default DEFAULT_CERTS_DIR */
  dir?: string;
  /** As typed on the command line; checked here against the known roles. */
  role: string;
  name: string;
  dnsNames?: string[];
  ipAddresses?: string[];
  validityDays?: number;
  /** Overwrite a certificate file holding a different identity. @default false */
  force?: boolean;
}

export async function runCertsInit(
  options: CertsInitOptions,
  print: Print = console.log,
): Promise<StoredAuthority> {
  const ca = await initCertificateAuthority(options.dir ?? DEFAULT_CERTS_DIR, {
    trustDomain: options.trustDomain,
    force: options.force,
    validityDays: options.validityDays,
  });
  print(
    ca.created
      ? 'created certificate authority'
      : 'kept existing certificate authority (pass --force to replace it)',
  );
  print(`  certificate   ${ca.certFile}`);
  print(`  private key   ${ca.keyFile} (mode 0600)`);
  print(`  trust domain  ${formatTrustDomainId(ca.trustDomain)}`);
  print(`  expires       ${ca.notAfter.toISOString()}`);
  return ca;
}

export async function runCertsIssue(
  options: CertsIssueOptions,
  print: Print = console.log,
): Promise<StoredCertificate> {
  if (!isRole(options.role)) {
    throw new TypeError(`role must be one of ${ROLES.join(', ')}; got ${JSON.stringify(options.role)}`);
  }
  const issued = await issueToStore(options.dir ?? DEFAULT_CERTS_DIR, {
    role: options.role,
    name: options.name,
    dnsNames: options.dnsNames,
    ipAddresses: options.ipAddresses,
    validityDays: options.validityDays,
    force: options.force,
  });
  print(`issued ${formatSpiffeId(issued.identity)}`);
  print(`  certificate   ${issued.certFile}`);
  print(`  private key   ${issued.keyFile} (mode 0600)`);
  print(`  trusts CA     ${issued.caFile}`);
  print(`  expires       ${issued.notAfter.toISOString()}`);
  return issued;
}

export interface CertsRenewOptions {
  /** @default DEFAULT_CERTS_DIR */
  dir?: string;
  /** @default a third of each leaf's lifetime */
  withinMs?: number;
  /** @default each leaf's current lifetime */
  validityDays?: number;
}

/** One line per leaf: renewed or kept, and until when; a warning if the CA itself is running out. */
export async function runCertsRenew(
  options: CertsRenewOptions,
  print: Print = console.log,
): Promise<LeafRenewal[]> {
  const dir = options.dir ?? DEFAULT_CERTS_DIR;
  const results = await renewStore(dir, { withinMs: options.withinMs, validityDays: options.validityDays });
  const days = (ms: number): string => `${(ms / DAY_MS).toFixed(1)} days`;
  for (const r of results) {
    const id = formatSpiffeId(r.identity);
    print(
      r.action === 'renewed'
        ? `renewed ${id}  ${r.certFile}  expires ${r.newNotAfter.toISOString()} (was ${r.notAfter.toISOString()})`
        : `kept    ${id}  ${r.certFile}  expires ${r.notAfter.toISOString()} (${days(r.notAfter.getTime() - Date.now())} left; renews within ${days(r.withinMs)})`,
    );
  }
  if (results.length === 0) print(`no leaf certificates in ${dir}`);
  const caExpiry = new Date(new X509Certificate((await loadCertificateAuthority(dir)).certPem).validTo);
  const shortest = Math.min(...results.map((r) => r.withinMs));
  if (caExpiry.getTime() - Date.now() <= (Number.isFinite(shortest) ? shortest : 0))
    print(
      `warning: the CA expires ${caExpiry.toISOString()}; leaves cannot outlive it (replace it with \`certs init --force\` and reissue every leaf)`,
    );
  return results;
}
