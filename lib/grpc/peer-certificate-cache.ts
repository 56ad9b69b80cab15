// grpc-js answers every server call's getAuthContext() by asking the TLS socket for the peer
// certificate again (`getPeerCertificate()` builds a fresh object from the X.509 each time): on
// the router that was 3 % of its busy time per request, for a certificate that cannot change
// while the connection lives. This keeps the first answer per TLS 1.3 socket and hands it to every
// later call on that connection. TLS 1.2 may renegotiate a connection (with another certificate),
// so a TLS 1.2 socket is asked each time, as grpc-js does.
//
// Installed only on the grpc-js version it was checked against, and only when the method reads
// as expected; otherwise nothing changes (`installPeerCertificateCache` says which).

import { TLSSocket, type PeerCertificate } from 'node:tls';
import { serverCallPrototype } from './server-call-internals.js';

/** grpc-js's AuthContext: what getAuthContext() returns. Callers only read it. */
interface AuthContext {
  transportSecurityType?: string;
  sslPeerCertificate?: PeerCertificate;
}

interface Call {
  stream: { session?: { socket?: unknown } };
  getAuthContext(): AuthContext;
}

const contexts = new WeakMap<TLSSocket, Readonly<AuthContext>>();

let installed: boolean | undefined;

/** Installs the per-connection cache on grpc-js's server calls, once; false when it could not. */
export function installPeerCertificateCache(): boolean {
  if (installed !== undefined) return installed;
  installed = false;
  const proto = serverCallPrototype<Call>('getAuthContext', /getPeerCertificate\(\)/);
  if (!proto) return false;
  const original = proto.getAuthContext;
  proto.getAuthContext = function (this: Call): AuthContext {
    const socket = this.stream.session?.socket;
    if (!(socket instanceof TLSSocket)) return original.call(this);
    // A hit costs one lookup; the protocol (a native call) is asked only on a connection's first.
    const cached = contexts.get(socket);
    if (cached !== undefined) return cached;
    const context: Readonly<AuthContext> = Object.freeze(original.call(this));
    // Only a finished, verified TLS 1.3 handshake is kept; grpc-js answers {} before that.
    if (context.sslPeerCertificate !== undefined && socket.getProtocol() === 'TLSv1.3')
      contexts.set(socket, context);
    return context;
  };
  installed = true;
  return true;
}
