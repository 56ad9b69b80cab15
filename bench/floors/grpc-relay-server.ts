/**
 * The front of the relay floor, run as its own process (as the router is): a grpc-js server of
 * `inference.GRPCInferenceService` set up as the router's (floor-server.ts), on the router's
 * patched grpc-js (no-copy framing, pooled receive, batched writes: lib/grpc), whose ModelInfer
 * forwards each request's bytes, tagged with a call id, on one long-lived stream to
 * grpc-model-server.ts over mutual TLS (the router's certificate as its client certificate, as
 * the router dials shards), and answers with the bytes that come back. Every other method answers
 * the router's recorded bytes.
 *
 * No decoding, validation, routing, merging, spans or statistics: a router → shard mesh reduced to
 * moving the bytes, so its p50 and CPU bound what shardmesh's two-process design can reach on
 * this stack.
 *
 * Usage: node dist/bench/floors/grpc-relay-server.js ANSWERS_JSON CERTS_DIR UPSTREAM_ADDRESS
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

const [answersFile, certsDir, upstreamAddress] = process.argv.slice(2);
if (!answersFile || !certsDir || !upstreamAddress)
  throw new Error('usage: grpc-relay-server.js ANSWERS_JSON CERTS_DIR UPSTREAM_ADDRESS');

const stream = openRelayStream(upstreamAddress, certsDir);
const waiting = new Map<number, grpc.sendUnaryData<Buffer>>();
stream.on('data', (answer: Buffer) => {
  const id = idOf(answer);
  waiting.get(id)?.(null, payloadOf(answer));
  waiting.delete(id);
});
stream.on('error', (error: Error) => {
  for (const callback of waiting.values())
    callback({ code: grpc.status.UNAVAILABLE, details: error.message });
  waiting.clear();
});

let next = 0;
const modelInfer: grpc.handleUnaryCall<Buffer, Buffer> = (call, callback) => {
  const id = next++ >>> 0;
  waiting.set(id, callback);
  const message = tagged(id, call.request);
  stream.write(message, () => releaseFramedMessage(message));
};

const server = routerLikeServer();
const { definition, implementation } = recordedInferenceService(readRecordedAnswers(answersFile), {
  ModelInfer: modelInfer,
});
server.addService(definition, implementation);
listenAsFloor(server, certsDir, 'router');
