import { status as Status } from '@grpc/grpc-js';
import { ServiceError } from '../../../lib/grpc/service-error.js';
import type { Logger } from '../../../lib/log.js';
import type { PolicySource } from './policy-file.js';
import { decide, type Policy } from './policy.js';
import type { Authorizer, ModelRef, Principal, Verb } from './principal.js';

/**
 * The Authorizer over a policy: allowed if some rule allows, else PERMISSION_DENIED naming the
 * verb and the model (never the rules) and one audit line in the log. `source` is a PolicyFile
 * that reloads, or `{ current: policy }` for a fixed one (the dev policy, tests).
 */
export class PolicyAuthorizer implements Authorizer {
  constructor(
    readonly source: PolicySource | Policy,
    readonly log: Logger,
  ) {}

  authorize(principal: Principal, verb: Verb, model: ModelRef, requestId: string): void {
    // Read once: a reload mid-call never mixes two policies in one decision.
    const policy = 'current' in this.source ? this.source.current : this.source;
    if (decide(policy, principal, verb, model).allowed) return;
    const shown = model.version === '' ? model.name : `${model.name} version ${model.version}`;
    this.log.warn(
      {
        audit: 'denied',
        principal: principal.id,
        principalKind: principal.kind,
        verb,
        model: model.name,
        version: model.version,
        requestId,
      },
      'permission denied',
    );
    throw new ServiceError(
      Status.PERMISSION_DENIED,
      `permission denied: verb ${verb} on model ${shown} is not allowed for this caller`,
    );
  }
}
