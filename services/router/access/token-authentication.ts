// A bearer JWT as a Principal: signature by a key in the operator's JWKS file, `exp`/`nbf` with a
// small clock skew, `iss` and `aud`. Only asymmetric algorithms are allowed, so neither `alg: none`
// nor an HMAC "signed" with a published public key can pass.
import { errors, jwtVerify } from 'jose';
import type { JwksFile } from './jwks-file.js';
import type { Principal } from './principal.js';
import type { TokenCache } from './token-cache.js';

export const TOKEN_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
];

export class TokenRefused extends Error {}

export const DEFAULT_CLOCK_TOLERANCE_SECONDS = 30;

export interface TokenAuthenticationOptions {
  readonly keys: JwksFile;
  readonly issuer: string;
  readonly audience: string;
  /** Skew allowed on `exp` and `nbf`. @default 30 */
  readonly clockToleranceSeconds?: number;
}

export async function tokenPrincipal(
  token: string,
  o: TokenAuthenticationOptions,
  cache?: TokenCache,
): Promise<Principal> {
  const keys = o.keys.keys();
  const cached = cache?.get(token, keys);
  if (cached) return cached;
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, keys, {
      algorithms: TOKEN_ALGORITHMS,
      issuer: o.issuer,
      audience: o.audience,
      clockTolerance: o.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS,
      requiredClaims: ['exp'],
    }));
  } catch (error) {
    throw new TokenRefused(`bearer token refused: ${reasonOf(error)}`, { cause: error });
  }
  if (typeof payload['sub'] !== 'string' || payload['sub'] === '')
    throw new TokenRefused('bearer token refused: it has no "sub" claim naming the caller');
  const principal: Principal = { kind: 'token', id: payload['sub'], claims: payload };
  cache?.set(token, keys, principal);
  return principal;
}

/** What the caller can fix, without echoing the expected issuer or audience back to them. */
function reasonOf(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return 'not yet valid (nbf)';
    if (error.claim === 'iss') return 'wrong issuer (iss)';
    if (error.claim === 'aud') return 'wrong audience (aud)';
    if (error.claim === 'exp') return 'no expiry (exp)';
    return `claim "${error.claim}" invalid`;
  }
  if (error instanceof errors.JOSEAlgNotAllowed)
    return `algorithm not allowed; sign with one of ${TOKEN_ALGORITHMS.join(', ')}`;
  if (error instanceof errors.JWKSNoMatchingKey) return 'signed by an unknown key';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'bad signature';
  if (error instanceof errors.JOSEError) return 'malformed token';
  return 'malformed token';
}
