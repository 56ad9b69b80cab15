// HTTP/2 flow control has two windows: one per stream, one for the whole connection. grpc-js lets a
// server raise the first (our credentials set SETTINGS_INITIAL_WINDOW_SIZE), but on Node 20 a
// server session's connection window stays at nghttp2's 65,535 bytes: only
// `session.setLocalWindowSize()` raises it, and grpc-js creates its http2 servers itself. So every
// request above 64 KiB (PP-OCR's classifier sends 110 KiB, its recogniser 184 KiB) stalled until
// the server's WINDOW_UPDATE came back, and all the requests multiplexed on one connection (the
// router's mux streams to a shard) shared 64 KiB in flight. Node raised the default to 32 MiB only
// in 2026 (nodejs/node#64623), after Node 20.
//
// This reaches grpc-js's http2 servers through its private `http2Servers` map, on the grpc-js
// release the other server patches were checked against (server-call-internals.ts), and raises the
// connection window of every session as it starts. On any other release nothing changes.

import type { Http2Server, Http2Session } from 'node:http2';
import type { Server } from '@grpc/grpc-js';
import { grpcJsIsCheckedRelease } from './server-call-internals.js';

/**
 * Raises the connection receive window of every HTTP/2 session `server` accepts from now on to
 * `bytes`. Call it once the server is bound (grpc-js creates its http2 servers in bindAsync).
 * False when grpc-js is not the checked release or its servers are not where they were.
 */
export function raiseConnectionWindow(server: Server, bytes: number): boolean {
  if (!grpcJsIsCheckedRelease()) return false;
  const servers = (server as unknown as { http2Servers?: unknown }).http2Servers;
  if (!(servers instanceof Map) || servers.size === 0) return false;
  for (const http2Server of servers.keys() as IterableIterator<Http2Server>) {
    if (typeof http2Server?.on !== 'function') return false;
    http2Server.on('session', (session: Http2Session) => {
      // Before the handshake there is no nghttp2 session to ask yet: once it connects.
      const raise = (): void => {
        if (!session.destroyed) session.setLocalWindowSize(bytes);
      };
      if (session.connecting) session.once('connect', raise);
      else raise();
    });
  }
  return true;
}
