/**
 * The floor under the router: what one gRPC unary call costs a Node server that does nothing but
 * answer, over mutual TLS, with the bench's classifier sizes (110 KiB request, 16-byte answer).
 * Servers, each a child process so its CPU is its own: grpc-js with pass-through
 * serializers (the least any grpc-js handler can cost), node:http2 with gRPC's framing
 * written by hand (what dropping grpc-js could reach), and two grpc-js relays: a grpc-js server that
 * forwards each call's bytes over its own mutual TLS connection to a grpc-js answer server and
 * returns the answer, as one unary call per request (grpc-js-relay) or tagged by id on one shared
 * bidirectional stream (grpc-js-stream-relay, the router → shard hop's design). A relay is a
 * router → shard mesh with no routing, decoding, model or merge: what the two-process design
 * costs on this stack; its CPU is both processes'.
 * The client is grpc-js in this process. The router does at least one such call in and one out
 * per request, so twice the grpc-js figure is a floor for its CPU per request on the stack it
 * uses; the relay is the same bound measured rather than added up (it is woken twice per call).
 *
 *   node dist/bench/probes/grpc-floor.js [--seconds 6] [--concurrency 1,16] [--request-bytes 112640]
 *       [--servers grpc-js,node-http2,grpc-js-relay,grpc-js-stream-relay]
 *
 * Prints one JSON line per server and concurrency. Not part of `npm run bench`; asserts nothing.
 */
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http2 from 'node:http2';
import { parseArgs } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { createCertificateAuthority } from '../../certs/authority.js';
import { channelCredentials, serverCredentials } from '../../certs/credentials.js';
import { issueCertificate } from '../../certs/issue.js';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '6' },
    concurrency: { type: 'string', default: '1,16' },
    'request-bytes': { type: 'string', default: String(3 * 48 * 192 * 4) },
    servers: { type: 'string', default: 'grpc-js,node-http2,grpc-js-relay,grpc-js-stream-relay' },
    serve: { type: 'string' },
    upstream: { type: 'string' },
  },
});

const PATH = '/floor.Echo/Call';
const ANSWER = Buffer.alloc(16, 1);
const identity = (b: Buffer): Buffer => b;

interface Pki {
  caPem: string;
  certPem: string;
  keyPem: string;
}

const method = (path: string, stream: boolean): grpc.MethodDefinition<Buffer, Buffer> => ({
  path,
  requestStream: stream,
  responseStream: stream,
  requestSerialize: identity,
  requestDeserialize: identity,
  responseSerialize: identity,
  responseDeserialize: identity,
});

/** Requests on the relays' shared stream carry a 4-byte id, answered with the same id. */
const STREAM_PATH = '/floor.Echo/Stream';

/**
 * A call's bytes forwarded to the answer server on `port`, and its answer back: one unary call
 * each ('unary'), or tagged by id on one bidirectional stream that all calls share ('stream', as
 * the router's shard streams do; the id costs the request one copy, as the router's codec does).
 */
function relayTo(port: string, pki: Pki, mode: 'unary' | 'stream'): grpc.handleUnaryCall<Buffer, Buffer> {
  const upstream = new grpc.Client(`127.0.0.1:${port}`, channelCredentials(pki), {
    'grpc-node.flow_control_window': 16 << 20,
  });
  if (mode === 'unary')
    return (call, callback) => upstream.makeUnaryRequest(PATH, identity, identity, call.request, callback);
  const waiting = new Map<number, grpc.sendUnaryData<Buffer>>();
  const stream = upstream.makeBidiStreamRequest(STREAM_PATH, identity, identity);
  stream.on('data', (answer: Buffer) => {
    const id = answer.readUInt32BE(0);
    waiting.get(id)?.(null, answer.subarray(4));
    waiting.delete(id);
  });
  let next = 0;
  return (call, callback) => {
    const id = next++ >>> 0;
    const tagged = Buffer.allocUnsafe(4 + call.request.length);
    tagged.writeUInt32BE(id, 0);
    call.request.copy(tagged, 4);
    waiting.set(id, callback);
    stream.write(tagged);
  };
}

/** The server side, run in a child: listens, sends its port to the parent. */
async function serve(kind: string, pki: Pki): Promise<void> {
  if (kind.startsWith('grpc-js')) {
    const server = new grpc.Server();
    const answer: grpc.handleUnaryCall<Buffer, Buffer> = (_call, callback) => callback(null, ANSWER);
    const relay = { 'grpc-js-relay': 'unary', 'grpc-js-stream-relay': 'stream' } as const;
    const mode = relay[kind as keyof typeof relay];
    server.addService(
      { Call: method(PATH, false), Stream: method(STREAM_PATH, true) },
      {
        Call: mode ? relayTo(args.upstream!, pki, mode) : answer,
        // The answer server's side of the shared stream: each request's id, then the answer.
        Stream: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
          call.on('data', (request: Buffer) => call.write(Buffer.concat([request.subarray(0, 4), ANSWER])));
          call.on('end', () => call.end());
        },
      },
    );
    server.bindAsync('127.0.0.1:0', serverCredentials({ ...pki, requireClientCert: true }), (error, port) =>
      process.send!(error ? { error: String(error) } : { port }),
    );
    return;
  }
  const framed = Buffer.concat([Buffer.from([0, 0, 0, 0, ANSWER.length]), ANSWER]);
  const server = http2.createSecureServer({
    ca: pki.caPem,
    cert: pki.certPem,
    key: pki.keyPem,
    requestCert: true,
    rejectUnauthorized: true,
    minVersion: 'TLSv1.3',
    settings: { initialWindowSize: 16 << 20 },
  });
  server.on('stream', (stream) => {
    stream.on('data', () => undefined);
    stream.on('end', () => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(framed);
    });
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.send!({ port: typeof address === 'object' && address ? address.port : 0 });
  });
}

function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Forks the server `kind` (with `extra` arguments) and waits for its port. */
async function startServer(
  kind: string,
  pki: Pki,
  extra: string[] = [],
): Promise<{ child: ReturnType<typeof fork>; port: number }> {
  const child = fork(new URL(import.meta.url).pathname, ['--serve', kind, ...extra], { stdio: 'inherit' });
  child.send(pki);
  const port = await new Promise<number>((resolve, reject) =>
    child.once('message', (m: { port?: number; error?: string }) =>
      m.port ? resolve(m.port) : reject(new Error(m.error)),
    ),
  );
  return { child, port };
}

async function measure(kind: string, pki: Pki, client: Pki): Promise<void> {
  // A relay's CPU counts its answer server's too: the two processes a request wakes.
  const upstream = kind.endsWith('-relay') ? await startServer('grpc-js', pki) : undefined;
  const { child, port } = await startServer(kind, pki, upstream ? ['--upstream', String(upstream.port)] : []);
  const pids = [child.pid!, ...(upstream ? [upstream.child.pid!] : [])];
  const serversCpuMs = (): number => pids.reduce((sum, pid) => sum + cpuMs(pid), 0);
  const channel = new grpc.Client(`127.0.0.1:${port}`, channelCredentials(client), {
    'grpc-node.flow_control_window': 16 << 20,
  });
  const request = Buffer.alloc(Number(args['request-bytes']), 3);
  const once = (): Promise<void> =>
    new Promise((resolve, reject) =>
      channel.makeUnaryRequest(PATH, identity, identity, request, (e) => (e ? reject(e) : resolve())),
    );
  const run = async (concurrency: number, seconds: number): Promise<number[]> => {
    const latencies: number[] = [];
    const until = performance.now() + seconds * 1000;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < until) {
          const t = performance.now();
          await once();
          latencies.push(performance.now() - t);
        }
      }),
    );
    return latencies.sort((a, b) => a - b);
  };
  for (const concurrency of args.concurrency!.split(',').map(Number)) {
    await run(concurrency, 2);
    const cpu0 = serversCpuMs();
    const relayCpu0 = cpuMs(child.pid!);
    const latencies = await run(concurrency, Number(args.seconds));
    const cpu = serversCpuMs() - cpu0;
    const relayCpu = cpuMs(child.pid!) - relayCpu0;
    console.log(
      JSON.stringify({
        server: kind,
        concurrency,
        calls: latencies.length,
        p50Ms: +latencies[Math.floor(latencies.length / 2)]!.toFixed(3),
        callsPerSecond: Math.round(latencies.length / Number(args.seconds)),
        serverCpuMsPerCall: +(cpu / latencies.length).toFixed(3),
        ...(upstream ? { relayCpuMsPerCall: +(relayCpu / latencies.length).toFixed(3) } : {}),
      }),
    );
  }
  channel.close();
  child.kill();
  upstream?.child.kill();
}

if (args.serve) {
  process.once('message', (pki: Pki) => void serve(args.serve!, pki));
} else {
  const ca = await createCertificateAuthority({ trustDomain: 'floor.local' });
  const server = await issueCertificate(ca, { role: 'router', name: 'floor' });
  const client = await issueCertificate(ca, { role: 'client', name: 'floor' });
  const pki = (leaf: typeof server): Pki => ({
    caPem: ca.certPem,
    certPem: leaf.certPem,
    keyPem: leaf.keyPem,
  });
  for (const kind of args.servers!.split(',')) await measure(kind, pki(server), pki(client));
}
