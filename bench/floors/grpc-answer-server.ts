/**
 * The far end of the grpc-js floor, run as its own process (as the router is, so its CPU is its
 * own): a grpc-js server of `inference.GRPCInferenceService`, configured as the router's
 * (services/router/router-server.ts: receive limit, TLS 1.3, client certificate required, HTTP/2
 * windows), that
 * answers every call with the bytes the real router gave for it, recorded by
 * bench/floors/grpc-answer-floor.ts. It parses nothing and computes nothing: what is left of a
 * request's cost is what any grpc-js server pays to receive it and send an answer. With no
 * certificate folder it serves plaintext, as the peers do.
 *
 * Usage: node dist/bench/floors/grpc-answer-server.js ANSWERS_JSON [CERTS_DIR]
 * Prints {"event":"listening","port":N} on stdout when ready.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { SERVER_WINDOW_BYTES, serverCredentials } from '../../certs/credentials.js';
import { raiseConnectionWindow } from '../../lib/grpc/server-connection-window.js';
import { loadInferencePackage } from '../../lib/grpc/protos.js';

const [answersFile, certsDir] = process.argv.slice(2);
if (!answersFile) throw new Error('usage: grpc-answer-server.js ANSWERS_JSON [CERTS_DIR]');
/** Method name → the router's serialized answer (base64), as grpc-answer-floor.ts writes it. */
const answers = new Map(
  Object.entries(JSON.parse(readFileSync(answersFile, 'utf8')) as Record<string, string>).map(([m, b64]) => [
    m,
    Buffer.from(b64, 'base64'),
  ]),
);

const raw = (b: Buffer): Buffer => b;
const definition: Record<string, grpc.MethodDefinition<Buffer, Buffer>> = {};
const handlers: grpc.UntypedServiceImplementation = {};
for (const [name, method] of Object.entries(loadInferencePackage().service.service)) {
  if (method.requestStream || method.responseStream) continue;
  definition[name] = {
    ...method,
    requestDeserialize: raw,
    responseSerialize: raw,
  };
  const answer = answers.get(name);
  handlers[name] = (_call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) =>
    answer
      ? callback(null, answer)
      : callback({ code: grpc.status.UNIMPLEMENTED, details: `${name} was not recorded` });
}

const server = new grpc.Server({
  'grpc.max_receive_message_length': 64 * 1024 * 1024,
  'grpc.max_send_message_length': -1,
});
server.addService(definition, handlers);
const file = (name: string): Buffer => readFileSync(path.join(certsDir!, name));
const credentials = certsDir
  ? serverCredentials({
      caPem: file('ca.pem'),
      certPem: file('router.pem'),
      keyPem: file('router-key.pem'),
      requireClientCert: true,
    })
  : grpc.ServerCredentials.createInsecure();
server.bindAsync('127.0.0.1:0', credentials, (error, port) => {
  if (error) throw error;
  raiseConnectionWindow(server, SERVER_WINDOW_BYTES);
  process.stdout.write(`${JSON.stringify({ event: 'listening', port })}\n`);
});
process.on('SIGTERM', () => server.forceShutdown());
