// The seam between the router's three access checks (issue 10): authentication finds who calls
// (a Principal), authorization decides what they may do (an Authorizer), quotas how much (a
// QuotaKeeper). inference-service.ts runs them in that order before a handler does any work.

/** Who made a call, as authentication established it. */
export interface Principal {
  /** `certificate`: a client certificate's SPIFFE identity; `token`: a verified bearer JWT. */
  readonly kind: 'certificate' | 'token';
  /** The SPIFFE id (`spiffe://TRUST-DOMAIN/…`) or the token's `sub`. */
  readonly id: string;
  /** The token's verified claims (`iss`, `aud`, and the rest); empty for a certificate. */
  readonly claims: Readonly<Record<string, unknown>>;
}

/** What a call does: each V2 RPC maps to one (inference-service.ts). */
export type Verb = 'infer' | 'metadata' | 'statistics' | 'admin';

export interface ModelRef {
  readonly name: string;
  /** Empty: every version, as the V2 protocol's empty version means. */
  readonly version: string;
}

/** Decides whether `principal` may do `verb` on `model`; throws PERMISSION_DENIED (a ServiceError) if not. */
export interface Authorizer {
  authorize(principal: Principal, verb: Verb, model: ModelRef, requestId: string): void;
}

/**
 * Admits one call of `principal` carrying `requestBytes`, or throws RESOURCE_EXHAUSTED (a
 * ServiceError naming the caller's quota). The returned function ends the call's share of any
 * concurrency limit; call it once when the call ends.
 */
export interface QuotaKeeper {
  admit(principal: Principal, requestBytes: number): () => void;
}
