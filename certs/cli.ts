/**
 * The bodies of `shardmesh certs init` and `shardmesh certs issue`. The command
 * definitions (commander) live in cli/; these take already-parsed options,
 * print what they wrote for a human, and return it for tests and scripts.
 */
import { formatSpiffeId, formatTrustDomainId, isRole, ROLES } from './identity.js';
import type { StoredAuthority, StoredCertificate } from './store.js';
import { DEFAULT_CERTS_DIR, initCertificateAuthority, issueToStore } from './store.js';

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
