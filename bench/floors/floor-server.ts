/**
 * What the grpc-js floors' server processes share: the router's recorded answers, and a grpc-js
 * server set up as the router's is (services/router/router-server.ts: receive limit, TLS 1.3, client
 * certificate required, HTTP/2 windows, V8's tier-up budget), so a floor differs from the router only in what its
 * handlers do.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { SERVER_WINDOW_BYTES, serverCredentials } from '../../certs/credentials.js';
import { raiseConnectionWindow } from '../../lib/grpc/server-connection-window.js';
import { loadInferencePackage } from '../../lib/grpc/protos.js';
import { CHANNELZ_OFF } from '../../lib/grpc/channelz-off.js';
import { tierUpForServing } from '../../lib/serving-tier-up.js';

/** Bytes in, bytes out: the floors parse nothing they need not. */
export const rawBytes = (b: Buffer): Buffer => b;

/** Method name → the router's serialized answer, from the file grpc-answer-floor.ts writes. */
export function readRecordedAnswers(file: string): Map<string, Buffer> {
  return decodeRecordedAnswers(JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>);
}

/** Method name → answer bytes, from recorded answers in base64 (grpc-answer-floor.ts). */
export function decodeRecordedAnswers(recorded: Readonly<Record<string, string>>): Map<string, Buffer> {
  return new Map(Object.entries(recorded).map(([method, b64]) => [method, Buffer.from(b64, 'base64')]));
}

/**
 * `inference.GRPCInferenceService`'s unary methods with raw serializers, each answering its
 * recorded bytes, except those `handlers` replace; UNIMPLEMENTED for a method not recorded.
 */
export function recordedInferenceService(
  answers: ReadonlyMap<string, Buffer>,
  handlers: Readonly<Record<string, grpc.handleUnaryCall<Buffer, Buffer>>> = {},
): { definition: grpc.ServiceDefinition; implementation: grpc.UntypedServiceImplementation } {
  const definition: Record<string, grpc.MethodDefinition<Buffer, Buffer>> = {};
  const implementation: grpc.UntypedServiceImplementation = {};
  for (const [name, method] of Object.entries(loadInferencePackage().service.service)) {
    if (method.requestStream || method.responseStream) continue;
    definition[name] = { ...method, requestDeserialize: rawBytes, responseSerialize: rawBytes };
    const answer = answers.get(name);
    implementation[name] =
      handlers[name] ??
      ((_call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) =>
        answer
          ? callback(null, answer)
          : callback({ code: grpc.status.UNIMPLEMENTED, details: `${name} was not recorded` }));
  }
  return { definition, implementation };
}

/**
 * A grpc-js server with the router's message limits, in a process tuned as the router's and a
 * shard's are (`tierUpForServing`): a floor that ran its per-call code longer in V8's slower tiers
 * would be a floor the mesh could pass for reasons that are not its own.
 */
export function routerLikeServer(): grpc.Server {
  tierUpForServing();
  return new grpc.Server({
    ...CHANNELZ_OFF,
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
    'grpc.max_send_message_length': -1,
  });
}

/** The TLS material named `name` in `certsDir` (a certificate store: ca.pem, NAME.pem, NAME-key.pem). */
export function storedTls(
  certsDir: string,
  name: string,
): { caPem: Buffer; certPem: Buffer; keyPem: Buffer } {
  const file = (f: string): Buffer => readFileSync(path.join(certsDir, f));
  return { caPem: file('ca.pem'), certPem: file(`${name}.pem`), keyPem: file(`${name}-key.pem`) };
}

/**
 * Serves `server` on a free loopback port with `name`'s certificate from `certsDir`, client
 * certificates required (plaintext without `certsDir`, as the peers serve), raises its HTTP/2
 * connection window as the router does, and prints {"event":"listening","port":N} on stdout.
 * SIGTERM ends the process (a floor keeps nothing; the relay's open stream upstream would keep it
 * alive after its server shut down).
 */
export function listenAsFloor(server: grpc.Server, certsDir: string | undefined, name: string): void {
  const credentials = certsDir
    ? serverCredentials({ ...storedTls(certsDir, name), requireClientCert: true })
    : grpc.ServerCredentials.createInsecure();
  server.bindAsync('127.0.0.1:0', credentials, (error, port) => {
    if (error) throw error;
    raiseConnectionWindow(server, SERVER_WINDOW_BYTES);
    process.stdout.write(`${JSON.stringify({ event: 'listening', port })}\n`);
  });
  process.on('SIGTERM', () => {
    server.forceShutdown();
    process.exit(0);
  });
}
