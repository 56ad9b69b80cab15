// The access checks every V2 call passes before any work: authenticate, then authorize the call's
// verb on its model, then admit it under the caller's quotas. inference-service.ts runs them
// through `guardUnary` and `guardStream`.
import type { Authenticator } from './authenticator.js';
import type { Authorizer, ModelRef, Principal, QuotaKeeper, Verb } from './principal.js';

export interface AccessControl {
  readonly authenticator: Authenticator;
  /** Without one, every authenticated caller may do everything. */
  readonly authorizer?: Authorizer;
  /** Without one, no caller is limited. */
  readonly quotas?: QuotaKeeper;
}

/** What a call asks to do; no verb: authentication only (ServerLive, ServerReady, ServerMetadata). */
export interface CallScope {
  readonly verb?: Verb;
  readonly model?: ModelRef;
  readonly requestBytes?: number;
  readonly requestId?: string;
}

/** Calls about no single model (RepositoryIndex, every model's statistics). */
const ANY_MODEL: ModelRef = { name: '', version: '' };

/**
 * Authorizes and admits one call (or stream message) of an authenticated `principal`, throwing the
 * ServiceError of the first check that fails. The returned function ends its share of the caller's
 * concurrency quota; call it once when the call ends.
 */
export function authorizeAndAdmit(access: AccessControl, principal: Principal, scope: CallScope): () => void {
  if (scope.verb === undefined) return () => undefined;
  access.authorizer?.authorize(principal, scope.verb, scope.model ?? ANY_MODEL, scope.requestId ?? '');
  return access.quotas?.admit(principal, scope.requestBytes ?? 0) ?? (() => undefined);
}
