/**
 * The far end of the grpc-js floor, run as its own process (as the router is, so its CPU is its
 * own): a grpc-js server of `inference.GRPCInferenceService`, set up as the router's
 * (floor-server.ts), that answers every call with the bytes the real router gave for it, recorded
 * by bench/floors/grpc-answer-floor.ts. It parses nothing and computes nothing: what is left of a
 * request's cost is what any grpc-js server pays to receive it and send an answer. With no
 * certificate folder it serves plaintext, as the peers do.
 *
 * Usage: node dist/bench/floors/grpc-answer-server.js ANSWERS_JSON [CERTS_DIR]
 * Prints {"event":"listening","port":N} on stdout when ready.
 */
import {
  listenAsFloor,
  readRecordedAnswers,
  recordedInferenceService,
  routerLikeServer,
} from './floor-server.js';

const [answersFile, certsDir] = process.argv.slice(2);
if (!answersFile) throw new Error('usage: grpc-answer-server.js ANSWERS_JSON [CERTS_DIR]');

const server = routerLikeServer();
const { definition, implementation } = recordedInferenceService(readRecordedAnswers(answersFile));
server.addService(definition, implementation);
listenAsFloor(server, certsDir, 'router');
