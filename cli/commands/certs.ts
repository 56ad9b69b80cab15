import type { Command } from 'commander';
import { runCertsInit, runCertsIssue, runCertsRenew } from '../../certs/cli.js';
import { ensureDevTokenKeys, signDevToken } from '../../certs/dev-tokens.js';
import { ROLES, type Role } from '../../certs/identity.js';
import { DEFAULT_LEAF_VALIDITY_DAYS } from '../../certs/issue.js';
import {
  collectDnsNames,
  collectIps,
  parseChoice,
  parseCount,
  parseDurationOrZeroMs,
} from '../option-parsers.js';
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
    .option(
      '--days <n>',
      'validity in days (renew before it ends: `certs renew`)',
      parseCount,
      DEFAULT_LEAF_VALIDITY_DAYS,
    )
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
    .command('renew')
    .description(
      'reissue the leaf certificates in --dir that expire within --within (new key, same identity and names); running routers and shards load them without a restart. Run it from a timer more often than the window',
    )
    .option('--dir <dir>', 'certificate store', DEFAULT_CERTS_DIR)
    .option(
      '--within <duration>',
      "renew leaves with at most this long left, e.g. 2d, 12h (default: a third of each leaf's lifetime)",
      parseDurationOrZeroMs,
    )
    .option(
      '--days <n>',
      "validity of the new leaves in days (default: each leaf's current lifetime)",
      parseCount,
    )
    .action(async (o: { dir: string; within?: number; days?: number }) => {
      await runCertsRenew({ dir: o.dir, withinMs: o.within, validityDays: o.days });
    });
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
