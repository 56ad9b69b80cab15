// The one door into grpc-js's private server call class, for the patches that replace one of its
// methods (server-framing.ts, peer-certificate-cache.ts; server-connection-window.ts reads its
// server's private map of http2 servers). Each patch was checked against this
// grpc-js release only; on any other, or when the class is not where it was, nothing is patched
// and grpc-js behaves as shipped.
import { createRequire } from 'node:module';

/** grpc-js release whose private BaseServerInterceptingCall the patches were checked against. */
export const GRPC_JS_VERSION = '1.14.7';

/** Whether the installed grpc-js is the release the patches were checked against. */
export function grpcJsIsCheckedRelease(): boolean {
  const require = createRequire(import.meta.url);
  return (require('@grpc/grpc-js/package.json') as { version: string }).version === GRPC_JS_VERSION;
}

/**
 * The prototype of grpc-js's BaseServerInterceptingCall when the installed grpc-js is the checked
 * release and its method `method` is a function whose source matches `expected`; else undefined.
 */
export function serverCallPrototype<T extends object>(method: keyof T, expected: RegExp): T | undefined {
  if (!grpcJsIsCheckedRelease()) return undefined;
  const require = createRequire(import.meta.url);
  const { BaseServerInterceptingCall } = require('@grpc/grpc-js/build/src/server-interceptors.js') as {
    BaseServerInterceptingCall?: { prototype: T };
  };
  const proto = BaseServerInterceptingCall?.prototype;
  const original: unknown = proto?.[method];
  return proto && typeof original === 'function' && expected.test(original.toString()) ? proto : undefined;
}
