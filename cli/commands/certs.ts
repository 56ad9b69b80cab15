import type { Command } from 'commander';
import { runCertsInit, runCertsIssue } from '../../certs/cli.js';
import { ensureDevTokenKeys, signDevToken } from '../../certs/dev-tokens.js';
import { ROLES, type Role } from '../../certs/identity.js';
import { collectDnsNames, collectIps, parseChoice, parseCount } from '../option-parsers.js';
import { DEFAULT_CERTS_DIR } from '../paths.js';

export function registerCertsCommand(program: Command): void {
  const certs = program.command('certs').description('the mesh PKI: a CA and SPIFFE-identity certificates');
  certs
    .command('init')
    .description('create the certificate authority (kept if it exists, unless --force)')
    .option('--dir <dir>', 'certificate store', DEFAULT_CERTS_DIR)
    .option('--trust-domain <domain>', 'SPIFFE trust domain', 'shardmesh.local')
    .option('--force', 'replace an existing CA', false)
    .action(async (o: { dir: string; trustDomain: string; force: boolean }) => {
      await runCertsInit({ dir: o.dir, trustDomain: o.trustDomain, force: o.force });
    });
  certs
    .command('issue')
    .description('issue a certificate carrying spiffe://TRUST_DOMAIN/ROLE/NAME')
    .requiredOption('--role <role>', ROLES.join(', '), parseChoice(ROLES))
    .requiredOption('--name <name>', 'identity name; also the file name (NAME.pem, NAME-key.pem)')
    .option('--dir <dir>', 'certificate store', DEFAULT_CERTS_DIR)
    .option('--dns <names>', 'DNS SANs, comma separated', collectDnsNames)
    .option('--ip <addresses>', 'IP SANs, comma separated', collectIps)
    .option('--days <n>', 'validity in days', parseCount, 30)
    .action(
      async (o: { role: Role; name: string; dir: string; dns?: string[]; ip?: string[]; days: number }) => {
        await runCertsIssue({
          dir: o.dir,
          role: o.role,
          name: o.name,
          ...(o.dns ? { dnsNames: o.dns } : {}),
          ...(o.ip ? { ipAddresses: o.ip } : {}),
          validityDays: o.days,
        });
      },
    );
  certs
    .command('token')
    .description(
      'print a development bearer token for SUBJECT, signed by the dev key in --dir (created with jwks.json if missing); `shardmesh up` routers accept it',
    )
    .requiredOption('--subject <name>', 'the caller the token names (its "sub")')
    .option('--dir <dir>', 'certificate store', DEFAULT_CERTS_DIR)
    .option('--ttl-seconds <n>', 'lifetime in seconds', parseCount, 3600)
    .action(async (o: { subject: string; dir: string; ttlSeconds: number }) => {
      await ensureDevTokenKeys(o.dir);
      console.log(await signDevToken(o.dir, { subject: o.subject, ttlSeconds: o.ttlSeconds }));
    });
}
