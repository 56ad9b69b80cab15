// The one door into grpc-js's private classes, for the patches that replace one of their methods
// (server-framing.ts and peer-certificate-cache.ts on the server call, stream-decoder-patch.ts on
// the stream decoder, write-batching.ts on the client's subchannel call; server-connection-window.ts
// reads its server's private map of http2 servers). Each patch was checked against this grpc-js
// release only; on any other, or when the class is not where it was, nothing is patched and
// grpc-js behaves as shipped.
import { createRequire } from 'node:module';

/** grpc-js release whose private classes the patches were checked against. */
export const GRPC_JS_VERSION = '1.14.7';

/** Whether the installed grpc-js is the release the patches were checked against. */
export function grpcJsIsCheckedRelease(): boolean {
  const require = createRequire(import.meta.url);
  return (require('@grpc/grpc-js/package.json') as { version: string }).version === GRPC_JS_VERSION;
}

/**
 * The prototype of the private class `className` of grpc-js's module `build/src/<file>` when the
 * installed grpc-js is the checked release and its method `method` is a function whose source
 * matches `expected`; else undefined.
 */
export function grpcJsPrototype<T extends object>(
  file: string,
  className: string,
  method: keyof T,
  expected: RegExp,
): T | undefined {
  if (!grpcJsIsCheckedRelease()) return undefined;
  const require = createRequire(import.meta.url);
  const exported = require(`@grpc/grpc-js/build/src/${file}`) as Record<
    string,
    { prototype?: T } | undefined
  >;
  const proto = exported[className]?.prototype;
  const original: unknown = proto?.[method];
  return proto && typeof original === 'function' && expected.test(original.toString()) ? proto : undefined;
}

/** `grpcJsPrototype` of grpc-js's BaseServerInterceptingCall, the server call the patches replace. */
export function serverCallPrototype<T extends object>(method: keyof T, expected: RegExp): T | undefined {
  return grpcJsPrototype<T>('server-interceptors.js', 'BaseServerInterceptingCall', method, expected);
}
