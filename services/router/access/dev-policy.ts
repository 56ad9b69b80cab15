import { compilePolicy, type Policy, type PolicyDocument } from './policy.js';

/** The `sub` of the bearer token `shardmesh up` issues for local use. */
export const DEV_TOKEN_SUBJECT = 'shardmesh-dev';

/**
 * The policy `shardmesh up` runs with when no `--policy` is given: every `client` identity (in any
 * trust domain) and the dev token may do everything; router and shard certificates, and any other
 * token, nothing. No quotas. Outside `up` there is no default: no policy file, every call denied.
 */
export const DEV_POLICY_DOCUMENT: PolicyDocument = {
  version: 1,
  rules: [
    {
      name: 'dev: clients',
      principals: [{ spiffe: 'spiffe://*/client/*' }, { subject: DEV_TOKEN_SUBJECT }],
      verbs: ['*'],
      models: ['*'],
    },
  ],
};

export const devPolicy = (): Policy => compilePolicy(DEV_POLICY_DOCUMENT, '(built-in dev policy)');
