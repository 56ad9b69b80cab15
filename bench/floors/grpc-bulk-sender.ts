/**
 * A sender of the large-tensor gRPC relay floor, run as its own process (as a shard is): a grpc-js
 * server, set up and patched as a shard's, of one method, the relay stream (relay-stream.ts). Each
 * message it receives is a call id and an 8-byte little-endian byte count; it answers with that
 * many bytes in messages of the shard's default chunk size, each tagged with the call id and
 * copied once into its framed message (as the shard's codec copies an output chunk). The bytes are
 * made once at start: no ONNX Runtime run, no header or trailer, no spans or statistics.
 *
 * Usage: node dist/bench/floors/grpc-bulk-sender.js CERTS_DIR MAX_BYTES
 * Prints {"event":"listening","port":N} on stdout when ready.
 */
import type * as grpc from '@grpc/grpc-js';
import { releaseFramedMessage } from '../../lib/grpc/grpc-frame.js';
import { DEFAULT_CHUNK_BYTES } from '../../lib/tensor/chunks.js';
import { listenAsFloor, routerLikeServer } from './floor-server.js';
import { idOf, payloadOf, relayMethod, tagged } from './relay-stream.js';

const [certsDir, maxBytes] = process.argv.slice(2);
if (!certsDir || !maxBytes) throw new Error('usage: grpc-bulk-sender.js CERTS_DIR MAX_BYTES');
const source = Buffer.alloc(Number(maxBytes), 0x3f);

const relay = (call: grpc.ServerDuplexStream<Buffer, Buffer>): void => {
  call.on('data', (message: Buffer) => {
    const id = idOf(message);
    const bytes = Math.min(Number(payloadOf(message).readBigUInt64LE(0)), source.length);
    for (let at = 0; at < bytes; at += DEFAULT_CHUNK_BYTES) {
      const chunk = tagged(id, source.subarray(at, Math.min(at + DEFAULT_CHUNK_BYTES, bytes)));
      call.write(chunk, () => releaseFramedMessage(chunk));
    }
  });
  call.on('end', () => call.end());
};

const server = routerLikeServer();
server.addService({ Infer: relayMethod }, { Infer: relay });
listenAsFloor(server, certsDir, 'shard-0');
