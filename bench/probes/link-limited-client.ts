// A probe of a large answer to a client behind a slower link than the mesh's own: a real router
// and shards on loopback, and a client in its own network namespace whose veth link is limited
// (tc tbf) to --rate, as a client across a data-centre or office link is. It reports each
// request's time to the response headers and to the whole answer.
//
//   sudo node dist/bench/probes/link-limited-client.js --model outer-64m --rate 1gbit --requests 6
//
// Needs root (ip netns, tc). Prints one JSON object on stdout. Not part of the bench suites;
// never asserts timing. Measured with it: a router that sends a large answer only once it is
// whole against one that streams it as it arrives (services/router/streamed-answer.ts).

import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { Client } from '@grpc/grpc-js';
import { channelCredentials, loadTlsFiles } from '../../certs/credentials.js';
import { storeTlsFiles } from '../../certs/store.js';
import { dropIpServernameWarning } from '../../cli/ip-servername-warning.js';
import { startLocalMesh } from '../../cli/local-mesh.js';
import { encodedInferRequest, inferEncoded } from './encoded-request.js';
import { probeModel } from './probe-model.js';
import { loadPlan, planDir } from '../../lib/plan/repository.js';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: 'outer-64m' },
    rate: { type: 'string', default: '1gbit' },
    requests: { type: 'string', default: '6' },
    models: { type: 'string', default: path.join(tmpdir(), 'shardmesh-probe-models') },
    // Internal: this file run again inside the namespace, as the client.
    client: { type: 'string' },
    certs: { type: 'string' },
  },
});

const run = promisify(execFile);
const NS = `shardmesh-probe-${process.pid}`;
const HOST_IP = '10.231.0.1';
const CLIENT_IP = '10.231.0.2';

async function client(target: string, certsDir: string): Promise<void> {
  const model = args.model!;
  const { plan } = await loadPlan(planDir(args.models!, model, '1'));
  const tls = await loadTlsFiles(storeTlsFiles(certsDir, 'client'));
  const grpc = new Client(target, channelCredentials(tls), {
    'grpc.max_receive_message_length': -1,
    'grpc-node.flow_control_window': 16 << 20,
    // The router's certificate names localhost and loopback; the client dials the veth address.
    'grpc.ssl_target_name_override': 'localhost',
    'grpc.default_authority': 'localhost',
  });
  const request = encodedInferRequest(plan);
  const results: { headersMs: number; answerMs: number }[] = [];
  for (let i = 0; i < Number(args.requests); i++) {
    const started = performance.now();
    let headersMs = NaN;
    const { call, done } = inferEncoded(grpc, request, 120_000);
    call.on('metadata', () => (headersMs = performance.now() - started));
    await done;
    results.push({ headersMs, answerMs: performance.now() - started });
  }
  grpc.close();
  process.stdout.write(JSON.stringify(results));
}

async function main(): Promise<void> {
  const model = args.model!;
  const { certs, meshOptions } = await probeModel(model, args.models!);
  const work = await mkdtemp(path.join(tmpdir(), 'shardmesh-probe-'));
  const mesh = await startLocalMesh({ ...meshOptions, routerArgs: ['--host', '0.0.0.0'] });
  const port = mesh.address.split(':').at(-1)!;
  const ip = (...a: string[]) => run('ip', a);
  try {
    await ip('netns', 'add', NS);
    await ip('link', 'add', `${NS.slice(-8)}h`, 'type', 'veth', 'peer', 'name', `${NS.slice(-8)}c`);
    const [hostEnd, clientEnd] = [`${NS.slice(-8)}h`, `${NS.slice(-8)}c`];
    await ip('link', 'set', clientEnd, 'netns', NS);
    await ip('addr', 'add', `${HOST_IP}/24`, 'dev', hostEnd);
    await ip('link', 'set', hostEnd, 'up');
    await ip('netns', 'exec', NS, 'ip', 'addr', 'add', `${CLIENT_IP}/24`, 'dev', clientEnd);
    await ip('netns', 'exec', NS, 'ip', 'link', 'set', clientEnd, 'up');
    await ip('netns', 'exec', NS, 'ip', 'link', 'set', 'lo', 'up');
    // Router to client: the link's rate, a 4 MiB bucket, as a switch port would pace it.
    await run('tc', [
      'qdisc',
      'add',
      'dev',
      hostEnd,
      'root',
      'tbf',
      'rate',
      args.rate!,
      'burst',
      '4mb',
      'latency',
      '100ms',
    ]);
    const child = spawn(
      'ip',
      [
        'netns',
        'exec',
        NS,
        process.execPath,
        fileURLToPath(import.meta.url),
        '--client',
        `${HOST_IP}:${port}`,
        '--certs',
        certs.dir,
        '--model',
        model,
        '--models',
        meshOptions.modelsDir,
        '--requests',
        args.requests!,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise((resolve) => child.on('exit', resolve));
    const results = JSON.parse(out) as { headersMs: number; answerMs: number }[];
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    process.stdout.write(
      `${JSON.stringify({
        model,
        rate: args.rate,
        requests: results.length,
        headersMsP50: Math.round(median(results.map((r) => r.headersMs))),
        answerMsP50: Math.round(median(results.map((r) => r.answerMs))),
        answersMs: results.map((r) => Math.round(r.answerMs)),
      })}\n`,
    );
  } finally {
    await ip('netns', 'del', NS).catch(() => undefined);
    await mesh.stop();
    await certs.cleanup();
    await rm(work, { recursive: true, force: true });
  }
}

dropIpServernameWarning();
await (args.client ? client(args.client, args.certs!) : main());
