// The mesh beside its relay floor, process by process: a router and one shard per partition of a
// model, and the relay floor for the same cut (bench/floors: grpc-relay-server.ts in front of one
// grpc-model-server.ts per partition file, mutual TLS on both hops), both up at once and taking
// turns, one window of a fixed number of requests each, who goes first alternating (ABBA). Per
// window: p50, and the CPU per request of the front (router or relay) and of the backs (shards or
// model servers) from /proc, so the mesh's cost above the floor is placed on one side of the hop.
// The fan-out suite can only estimate the floor's CPU (perf_analyzer's request counts are not
// exact); here this probe's own client counts every request.
//
//   node dist/bench/probes/mesh-vs-floor.js [--model mlp] [--partitions 8] [--rounds 8]
//       [--requests 1000] [--concurrency 1] [--warmup 15]
//
// Prints each round and the medians. Not part of `npm run bench`; never asserts timing.

import path from 'node:path';
import { tmpdir } from 'node:os';
import { mkdtemp, rm } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { Client } from '@grpc/grpc-js';
import { channelCredentials, loadTlsFiles } from '../../certs/credentials.js';
import { storeTlsFiles } from '../../certs/store.js';
import { dropIpServernameWarning } from '../../cli/ip-servername-warning.js';
import { startLocalMesh } from '../../cli/local-mesh.js';
import { recordRouterAnswers, startRelayFloor } from '../floors/grpc-answer-floor.js';
import { interleave, spreadOf } from '../interleaved.js';
import { percentile } from '../latency-stats.js';
import { partitionFiles } from '../models.js';
import { treeCpuMs } from '../process-cpu.js';
import { closedLoop } from './closed-loop.js';
import { encodedInferRequest, inferEncoded, probeInputs } from './encoded-request.js';
import { modelsFor, probeModel } from './probe-model.js';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: 'mlp' },
    partitions: { type: 'string', default: '8' },
    models: { type: 'string' },
    rounds: { type: 'string', default: '8' },
    requests: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '1' },
    warmup: { type: 'string', default: '15' },
  },
});

interface Side {
  readonly client: Client;
  readonly front: number;
  readonly backs: readonly number[];
}

interface Window {
  readonly p50Ms: number;
  /** CPU per request of the router or relay. */
  readonly frontMs: number;
  /** CPU per request of all shards or model servers together. */
  readonly backsMs: number;
}

dropIpServernameWarning();

async function main(): Promise<void> {
  const model = args.model!;
  const { plan, ocr, certs, meshOptions } = await probeModel(
    model,
    ...modelsFor(args.partitions, args.models),
  );
  const work = await mkdtemp(path.join(tmpdir(), 'shardmesh-mesh-vs-floor-'));
  const tlsFiles = storeTlsFiles(certs.dir, 'client');
  const tls = await loadTlsFiles(tlsFiles);
  const mesh = await startLocalMesh(meshOptions);
  const answers = await recordRouterAnswers({
    address: mesh.address,
    tls: tlsFiles,
    model,
    inputs: probeInputs(plan, ocr?.inputShape),
  });
  const floor = await startRelayFloor(
    answers,
    path.join(work, 'answers.json'),
    certs.dir,
    await partitionFiles(meshOptions.modelsDir, model),
  );
  const connect = (address: string): Client =>
    new Client(address, channelCredentials(tls), { 'grpc.max_receive_message_length': -1 });
  const sides: Record<'mesh' | 'floor', Side> = {
    mesh: {
      client: connect(mesh.address),
      front: mesh.router.process.pid!,
      backs: [...mesh.shards.values()].map((s) => s.process.pid!),
    },
    floor: {
      client: connect(floor.address),
      front: floor.processes[0]!.pid,
      backs: floor.processes.slice(1).map((p) => p.pid),
    },
  };
  const request = encodedInferRequest(plan, ocr?.inputShape);
  const infer = (client: Client): Promise<void> => inferEncoded(client, request, 60_000).done;
  const cpu = async (side: Side): Promise<{ front: number; backs: number }> => {
    const byPid = await treeCpuMs([side.front, ...side.backs]);
    return { front: byPid.get(side.front)!, backs: side.backs.reduce((n, pid) => n + byPid.get(pid)!, 0) };
  };
  const concurrency = Number(args.concurrency);
  const window = async (side: Side, requests: number): Promise<Window> => {
    const before = await cpu(side);
    const latencies = await closedLoop(concurrency, requests, () => infer(side.client));
    const after = await cpu(side);
    return {
      p50Ms: percentile(latencies, 50),
      frontMs: (after.front - before.front) / requests,
      backsMs: (after.backs - before.backs) / requests,
    };
  };

  try {
    for (const side of Object.values(sides)) {
      const until = Date.now() + Number(args.warmup) * 1000;
      while (Date.now() < until) await Promise.all(Array.from({ length: 16 }, () => infer(side.client)));
    }
    const rounds = await interleave(Number(args.rounds), (who) =>
      window(who === 'mesh' ? sides.mesh : sides.floor, Number(args.requests)),
    );
    const show = (w: Window): string =>
      `p50 ${w.p50Ms.toFixed(2)} ms, front ${w.frontMs.toFixed(3)} ms/req, backs ${w.backsMs.toFixed(3)} ms/req`;
    rounds.forEach((r, i) => console.log(`round ${i + 1}: mesh ${show(r.mesh)} | floor ${show(r.peer)}`));
    const backs = sides.mesh.backs.length;
    const median = (figure: (w: Window) => number, who: 'mesh' | 'peer'): string => {
      const s = spreadOf(rounds.map((r) => figure(r[who])))!;
      return `${s.median.toFixed(3)} (${s.min.toFixed(3)}–${s.max.toFixed(3)})`;
    };
    for (const [who, name] of [
      ['mesh', 'mesh (router, shards)'],
      ['peer', 'floor (relay, model servers)'],
    ] as const)
      console.log(
        `${name}, medians over ${rounds.length} rounds at c=${concurrency}: p50 ${median((w) => w.p50Ms, who)} ms; ` +
          `front ${median((w) => w.frontMs, who)} ms/request; backs ${median((w) => w.backsMs, who)} ms/request, ` +
          `${median((w) => w.backsMs / backs, who)} ms per back call (${backs} backs)`,
      );
  } finally {
    for (const side of Object.values(sides)) side.client.close();
    await floor.stop();
    await mesh.stop();
    await certs.cleanup();
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
