import { DEV_TOKEN_ISSUER } from '../../../certs/dev-tokens.js';
import { compilePolicy, type Policy, type PolicyDocument } from './policy.js';

/** A `sub` for dev tokens (`shardmesh certs token --subject`); any subject is allowed by the dev policy. */
export const DEV_TOKEN_SUBJECT = 'shardmesh-dev';

/**
 * The policy of `shardmesh up` and of `shardmesh router --dev-policy`: every `client` identity (in
 * any trust domain) and every dev token (issued by `shardmesh up`'s dev key: `iss` is
 * DEV_TOKEN_ISSUER, whatever its subject) may do everything; router and shard certificates, and
 * any other token, nothing. No quotas. Without it or `--policy`, every call is denied.
 */
export const DEV_POLICY_DOCUMENT: PolicyDocument = {
  version: 1,
  rules: [
    {
      name: 'dev: clients',
      principals: [{ spiffe: 'spiffe://*/client/*' }, { claim: 'iss', equals: DEV_TOKEN_ISSUER }],
      verbs: ['*'],
      models: ['*'],
    },
  ],
};

export const devPolicy = (): Policy => compilePolicy(DEV_POLICY_DOCUMENT, '(built-in dev policy)');
