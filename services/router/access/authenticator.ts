// Who made a call: from its verified client certificate or its `authorization: Bearer <JWT>`
// metadata. When a call carries both, the token wins: it names the caller of this call, where the
// certificate names whoever opened the connection (a gateway may carry many callers' tokens over
// one mTLS connection). A token that fails is refused even if the certificate would pass.
import { status as Status, type Metadata } from '@grpc/grpc-js';
import type { PeerCertificate } from 'node:tls';
import { installPeerCertificateCache } from '../../../lib/grpc/peer-certificate-cache.js';
import { ServiceError } from '../../../lib/grpc/service-error.js';
import { CertificateRefused, certificatePrincipal } from './certificate-authentication.js';
import type { Principal } from './principal.js';
import type { SpiffePattern } from './spiffe-pattern.js';
import {
  DEFAULT_CLOCK_TOLERANCE_SECONDS,
  TokenRefused,
  tokenPrincipal,
  type TokenAuthenticationOptions,
} from './token-authentication.js';
import { TokenCache } from './token-cache.js';

/** What a grpc-js server call offers to authentication. */
export interface AuthenticatedCall {
  readonly metadata: Metadata;
  getAuthContext(): { sslPeerCertificate?: PeerCertificate };
}

export interface AuthenticatorOptions {
  /** The mesh's trust domain: `client` identities in it are accepted by certificate. */
  readonly trustDomain: string;
  /** Other SPIFFE ids accepted as clients (e.g. `spiffe://shardmesh.local/router/*`). @default [] */
  readonly allowedClientIdentities?: readonly SpiffePattern[];
  /** Bearer tokens; without it a token is refused and only certificates authenticate. */
  readonly tokens?: TokenAuthenticationOptions;
}

const BEARER = /^Bearer +(\S+)$/i;

export class Authenticator {
  readonly #verified: TokenCache;
  /**
   * What each certificate object stood for. grpc-js hands every call on a TLS 1.3 connection the
   * same certificate object (peer-certificate-cache.ts), so a connection's SPIFFE id is parsed and
   * judged once, not on each of its calls; a fresh object (TLS 1.2) is judged afresh.
   */
  readonly #byCertificate = new WeakMap<PeerCertificate, Principal | ServiceError>();

  constructor(private readonly options: AuthenticatorOptions) {
    // A connection's certificate is read once, not on each of its calls.
    installPeerCertificateCache();
    this.#verified = new TokenCache(options.tokens?.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS);
  }

  /** The caller, or a ServiceError UNAUTHENTICATED saying what was missing or wrong. */
  async authenticate(call: AuthenticatedCall): Promise<Principal> {
    const header = call.metadata.get('authorization');
    if (header.length > 0) return this.#fromToken(header);
    const cert = call.getAuthContext().sslPeerCertificate;
    if (cert === undefined)
      throw unauthenticated(
        this.options.tokens
          ? 'no credentials: present a client certificate signed by the mesh CA or an "authorization: Bearer <token>" header'
          : 'no credentials: present a client certificate signed by the mesh CA',
      );
    let judged = this.#byCertificate.get(cert);
    if (judged === undefined) {
      judged = this.#judge(cert);
      this.#byCertificate.set(cert, judged);
    }
    if (judged instanceof ServiceError) throw judged;
    return judged;
  }

  /** The certificate's principal, or the UNAUTHENTICATED error saying why it stands for none. */
  #judge(cert: PeerCertificate): Principal | ServiceError {
    try {
      return Object.freeze(
        certificatePrincipal(cert, {
          trustDomain: this.options.trustDomain,
          allowed: this.options.allowedClientIdentities ?? [],
        }),
      );
    } catch (error) {
      if (error instanceof CertificateRefused) return unauthenticated(error.message);
      throw error;
    }
  }

  /**
   * For a call that outlives its credentials (a ModelStreamInfer stream): throws UNAUTHENTICATED
   * once a token principal's `exp` (plus the clock skew allowed at verification) has passed. A
   * certificate's validity was checked by the handshake of the connection the call runs on.
   */
  checkStillValid(principal: Principal, nowMs = Date.now()): void {
    if (principal.kind !== 'token') return;
    const exp = principal.claims['exp'];
    const toleranceSeconds = this.options.tokens?.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS;
    if (typeof exp === 'number' && nowMs > (exp + toleranceSeconds) * 1000)
      throw unauthenticated(
        'the bearer token expired during the stream; open a new stream with a fresh token',
      );
  }

  async #fromToken(header: readonly (string | Buffer)[]): Promise<Principal> {
    const tokens = this.options.tokens;
    if (tokens === undefined)
      throw unauthenticated('bearer tokens are not accepted here; present a client certificate');
    const match = header.length === 1 ? BEARER.exec(String(header[0])) : null;
    if (match === null) throw unauthenticated('authorization header must be one "Bearer <token>"');
    try {
      return await tokenPrincipal(match[1] as string, tokens, this.#verified);
    } catch (error) {
      if (error instanceof TokenRefused) throw unauthenticated(error.message);
      throw error;
    }
  }
}

const unauthenticated = (details: string): ServiceError => new ServiceError(Status.UNAUTHENTICATED, details);
