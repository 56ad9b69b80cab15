/**
 * The front of the relay floor, run as its own process (as the router is): a grpc-js server of
 * `inference.GRPCInferenceService` set up as the router's (floor-server.ts), on the router's
 * patched grpc-js (no-copy framing, pooled receive, batched writes: lib/grpc), whose ModelInfer
 * forwards each request's bytes, tagged with a call id, on one long-lived stream to each of its
 * grpc-model-server.ts processes (one per partition) over mutual TLS (the router's certificate as
 * its client certificate, as the router dials shards), and answers with the bytes that come back
 * once every one of them has answered (the fan-out's gather, without merging). Every other method
 * answers the router's recorded bytes.
 *
 * No decoding, validation, routing, merging, spans or statistics: a router → shard mesh reduced to
 * moving the bytes, so its p50 and CPU bound what shardmesh's two-process design can reach on
 * this stack.
 *
 * Usage: node dist/bench/floors/grpc-relay-server.js ANSWERS_JSON CERTS_DIR UPSTREAM_ADDRESS[,…]
 * Prints {"event":"listening","port":N} on stdout when ready.
 */
import * as grpc from '@grpc/grpc-js';
import { releaseFramedMessage } from '../../lib/grpc/grpc-frame.js';
import {
  listenAsFloor,
  readRecordedAnswers,
  recordedInferenceService,
  routerLikeServer,
} from './floor-server.js';
import { idOf, openRelayStream, payloadOf, tagged } from './relay-stream.js';

const [answersFile, certsDir, upstreamAddresses] = process.argv.slice(2);
if (!answersFile || !certsDir || !upstreamAddresses)
  throw new Error(
    'usage: grpc-relay-server.js ANSWERS_JSON CERTS_DIR UPSTREAM_ADDRESS[,UPSTREAM_ADDRESS...]',
  );

/** A call waiting for its answers: how many upstreams have still to answer. */
interface Waiting {
  readonly callback: grpc.sendUnaryData<Buffer>;
  left: number;
}

const waiting = new Map<number, Waiting>();
const streams = upstreamAddresses.split(',').map((address) => {
  const stream = openRelayStream(address, certsDir);
  stream.on('data', (answer: Buffer) => {
    const id = idOf(answer);
    const call = waiting.get(id);
    if (call && --call.left === 0) {
      waiting.delete(id);
      call.callback(null, payloadOf(answer));
    }
  });
  stream.on('error', (error: Error) => {
    for (const call of waiting.values())
      call.callback({ code: grpc.status.UNAVAILABLE, details: error.message });
    waiting.clear();
  });
  return stream;
});

let next = 0;
const modelInfer: grpc.handleUnaryCall<Buffer, Buffer> = (call, callback) => {
  const id = next++ >>> 0;
  waiting.set(id, { callback, left: streams.length });
  // One message for every upstream: its memory goes back once the last write is done.
  const message = tagged(id, call.request);
  let writing = streams.length;
  for (const stream of streams)
    stream.write(message, () => {
      if (--writing === 0) releaseFramedMessage(message);
    });
};

const server = routerLikeServer();
const { definition, implementation } = recordedInferenceService(readRecordedAnswers(answersFile), {
  ModelInfer: modelInfer,
});
server.addService(definition, implementation);
listenAsFloor(server, certsDir, 'router');
