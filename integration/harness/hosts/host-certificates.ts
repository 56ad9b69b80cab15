import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { runCertsInit, runCertsIssue } from '../../../certs/cli.js';
import type { Role } from '../../../certs/identity.js';
import type { SimulatedHost } from './simulated-host.js';

const quiet = (): void => undefined;

/** A certificate to issue: its role and name, and the host whose address peers dial it by. */
export interface HostCertificate {
  readonly role: Role;
  readonly name: string;
  /** Where it is installed; undefined for one the test process keeps (a client's). */
  readonly host?: SimulatedHost;
}

/**
 * A CA in `operatorDir` (the only folder with its key), and a certificate per entry, installed the
 * way an operator would: each host's `certs/` folder gets the CA certificate and only its own
 * pairs. Peers dial by IP address and check it against the certificate (Node's hostname check runs
 * before the SPIFFE id check), so a host's certificates carry its address as an IP SAN beside
 * loopback's. A host's store, to pass as `--certs` there, is `hostCertsDir(host)`.
 */
export async function issueHostCertificates(
  operatorDir: string,
  entries: readonly HostCertificate[],
): Promise<void> {
  await runCertsInit({ dir: operatorDir }, quiet);
  for (const e of entries) {
    const ipAddresses = ['127.0.0.1', '::1', ...(e.host ? [e.host.address] : [])];
    await runCertsIssue({ dir: operatorDir, role: e.role, name: e.name, ipAddresses }, quiet);
    if (!e.host) continue;
    const dir = hostCertsDir(e.host);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await copyFile(path.join(operatorDir, 'ca.pem'), path.join(dir, 'ca.pem'));
    for (const file of [`${e.name}.pem`, `${e.name}-key.pem`])
      await copyFile(path.join(operatorDir, file), path.join(dir, file));
  }
}

/** The host's certificate store, as `--certs` takes it. */
export const hostCertsDir = (host: SimulatedHost): string => path.join(host.dir, 'certs');
