import { InvalidArgumentError, type Command } from 'commander';
import { decide, loadPolicy, PolicyError, quotaFor, VERBS } from '../../services/router/access/policy.js';
import type { Principal, Verb } from '../../services/router/access/principal.js';
import { parseChoice } from '../option-parsers.js';

const DENY_EXIT_CODE = 1;
const USAGE_EXIT_CODE = 2;

export function registerPolicyCommand(program: Command): void {
  const policy = program
    .command('policy')
    .description('the authorization policy (who may do what on which model)');
  policy
    .command('check')
    .description(
      'answer from a policy file whether PRINCIPAL may do VERB on MODEL, and which rule decided; ' +
        'exit 0: allowed, 1: denied, 2: bad usage or invalid policy file',
    )
    .requiredOption('--policy <file>', 'policy file (JSON or YAML)')
    .requiredOption(
      '--principal <id>',
      'a SPIFFE id (spiffe://TRUST-DOMAIN/ROLE/NAME: a client certificate) or else a token subject',
    )
    .requiredOption('--verb <verb>', VERBS.join(', '), parseChoice(VERBS))
    .requiredOption('--model <name[:version]>', 'model, and optionally its version')
    .option(
      '--claim <key=value>',
      'a token claim (repeat; a key given twice is a list, as `groups` is)',
      collectClaim,
      {} as Record<string, string | string[]>,
    )
    .action(
      async (o: {
        policy: string;
        principal: string;
        verb: Verb;
        model: string;
        claim: Record<string, string | string[]>;
      }) => {
        let loaded;
        try {
          loaded = await loadPolicy(o.policy);
        } catch (error) {
          if (!(error instanceof PolicyError)) throw error;
          console.error(`shardmesh: ${error.message}`);
          process.exitCode = USAGE_EXIT_CODE;
          return;
        }
        const certificate = o.principal.startsWith('spiffe://');
        if (certificate && Object.keys(o.claim).length > 0) {
          console.error('shardmesh: --claim describes a token; a SPIFFE id (certificate) carries no claims');
          process.exitCode = USAGE_EXIT_CODE;
          return;
        }
        const principal: Principal = {
          kind: certificate ? 'certificate' : 'token',
          id: o.principal,
          claims: certificate ? {} : { sub: o.principal, ...o.claim },
        };
        const [name, version = ''] = o.model.split(':') as [string, string?];
        const decision = decide(loaded, principal, o.verb, { name, version });
        const what = `${o.verb} on ${version === '' ? `model ${name}` : `model ${name} version ${version}`} for ${principal.kind} ${principal.id}`;
        if (decision.allowed) {
          const quota = quotaFor(loaded, principal);
          console.log(`allow: ${what}, by ${decision.rule}`);
          console.log(quota ? `quota: ${quota.label} ${JSON.stringify(quota.quota)}` : 'quota: none');
        } else {
          console.log(`deny: ${what}: no rule allows it (default deny)`);
          process.exitCode = DENY_EXIT_CODE;
        }
      },
    );
}

function collectClaim(
  value: string,
  previous: Record<string, string | string[]>,
): Record<string, string | string[]> {
  const at = value.indexOf('=');
  if (at <= 0) throw new InvalidArgumentError('expected key=value');
  const key = value.slice(0, at);
  const claimValue = value.slice(at + 1);
  const known = previous[key];
  return { ...previous, [key]: known === undefined ? claimValue : [known, claimValue].flat() };
}
