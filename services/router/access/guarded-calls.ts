// grpc-js handlers wrapped so that a call passes the access checks (access-control.ts) before its
// handler runs. A unary call that fails them is answered with their status; a stream is
// authenticated once when it opens and each message is authorized and admitted on its own.
import type { sendUnaryData, ServerDuplexStream, ServerUnaryCall } from '@grpc/grpc-js';
import { toStatus } from '../../../lib/grpc/service-error.js';
import { authorizeAndAdmit, type AccessControl, type CallScope } from './access-control.js';
import type { Principal } from './principal.js';

type UnaryHandler<Req, Res> = (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => void;

export function guardUnary<Req, Res>(
  access: AccessControl,
  scopeOf: (request: Req) => CallScope,
  handler: UnaryHandler<Req, Res>,
  onUnexpected: (error: unknown) => void,
): UnaryHandler<Req, Res> {
  return (call, callback) => {
    access.authenticator
      .authenticate(call)
      .then((principal) => authorizeAndAdmit(access, principal, scopeOf(call.request)))
      .then(
        (release) =>
          handler(call, (...answer: Parameters<sendUnaryData<Res>>) => {
            release();
            callback(...answer);
          }),
        (error: unknown) => callback(toStatus(error, onUnexpected)),
      );
  };
}

/**
 * For a bidirectional stream: authenticates it once (ending the stream with UNAUTHENTICATED if
 * that fails) and returns the check for each message, which resolves to the message's release.
 * A stream opened with a bearer token ends with UNAUTHENTICATED at its first message after the
 * token expires: a stream may live for hours, its token only minutes.
 */
export function guardStream<Req>(
  access: AccessControl,
  call: ServerDuplexStream<Req, unknown>,
  scopeOf: (request: Req) => CallScope,
  onUnexpected: (error: unknown) => void,
): (request: Req) => Promise<() => void> {
  let ended = false;
  const end = (error: unknown): void => {
    if (ended) return;
    ended = true;
    call.emit('error', toStatus(error, onUnexpected));
  };
  const principal: Promise<Principal> = access.authenticator.authenticate(call);
  principal.catch(end);
  return (request) =>
    principal.then((p) => {
      try {
        access.authenticator.checkStillValid(p);
      } catch (error) {
        end(error);
        throw error;
      }
      return authorizeAndAdmit(access, p, scopeOf(request));
    });
}
