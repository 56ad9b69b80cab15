// Two builds of shardmesh side by side, for an A/B of a change on a machine whose speed drifts by
// up to 2× within an hour: a mesh of each build (router + the model's shards, same model, same
// certificates) up at once, taking turns one window of a fixed number of requests each, who goes
// first alternating (ABBA, bench/interleaved.ts's `interleave`). Each round's ratio pairs two
// windows that saw the same machine; the median over rounds is the figure, the range how far to
// trust it.
//
//   node dist/bench/probes/paired-builds.js --baseline ../other-checkout [--model cls|rec|mlp]
//       [--partitions N] [--rounds 8] [--requests 1:250,16:1000] [--warmup 20]
//
// The baseline is another checkout of this repository, built (`npm run build`); its
// dist/cli/local-mesh.js starts its mesh. "B" is this build. Prints each round and, per
// concurrency, the median B ÷ A of p50, throughput and router + shard CPU per request. Not part
// of `npm run bench`; never asserts timing.

import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Client } from '@grpc/grpc-js';
import { channelCredentials, loadTlsFiles } from '../../certs/credentials.js';
import { storeTlsFiles } from '../../certs/store.js';
import { dropIpServernameWarning } from '../../cli/ip-servername-warning.js';
import { startLocalMesh, type LocalMesh } from '../../cli/local-mesh.js';
import { interleave, roundRatios } from '../interleaved.js';
import { percentile } from '../latency-stats.js';
import { treeCpuMs } from '../process-cpu.js';
import { closedLoop } from './closed-loop.js';
import { encodedInferRequest, inferEncoded } from './encoded-request.js';
import { modelsFor, probeModel } from './probe-model.js';

const { values: args } = parseArgs({
  options: {
    baseline: { type: 'string' },
    model: { type: 'string', default: 'cls' },
    rounds: { type: 'string', default: '8' },
    requests: { type: 'string', default: '1:250,16:1000' },
    warmup: { type: 'string', default: '20' },
    partitions: { type: 'string' },
    models: { type: 'string' },
  },
});

type Build = 'A' | 'B';

interface Window {
  readonly p50Ms: number;
  readonly perSecond: number;
  readonly cpuMsPerRequest: number;
}

interface Side {
  readonly mesh: LocalMesh;
  readonly client: Client;
}

dropIpServernameWarning();

async function main(): Promise<void> {
  if (!args.baseline) throw new Error('--baseline DIR: another built checkout of shardmesh to compare with');
  const baseline = (await import(
    pathToFileURL(path.resolve(args.baseline, 'dist/cli/local-mesh.js')).href
  )) as { startLocalMesh: typeof startLocalMesh };
  const { plan, ocr, certs, meshOptions } = await probeModel(
    args.model!,
    ...modelsFor(args.partitions, args.models),
  );
  const tls = await loadTlsFiles(storeTlsFiles(certs.dir, 'client'));
  const open = (mesh: LocalMesh): Side => ({
    mesh,
    client: new Client(mesh.address, channelCredentials(tls), { 'grpc.max_receive_message_length': -1 }),
  });
  const sides: Record<Build, Side> = {
    A: open(await baseline.startLocalMesh(meshOptions)),
    B: open(await startLocalMesh(meshOptions)),
  };
  // The bench's input shape for the OCR models; the plan's with open dims at 1 otherwise.
  const request = encodedInferRequest(plan, ocr?.inputShape);
  const infer = (client: Client): Promise<void> => inferEncoded(client, request, 60_000).done;
  const pids = (side: Side): number[] => [
    side.mesh.router.process.pid!,
    ...[...side.mesh.shards.values()].map((s) => s.process.pid!),
  ];
  const cpuNow = async (side: Side): Promise<number> =>
    [...(await treeCpuMs(pids(side))).values()].reduce((a, b) => a + b, 0);

  const window = async (side: Side, concurrency: number, requests: number): Promise<Window> => {
    const cpu0 = await cpuNow(side);
    const started = performance.now();
    const latencies = await closedLoop(concurrency, requests, () => infer(side.client));
    const seconds = (performance.now() - started) / 1000;
    const cpuMs = (await cpuNow(side)) - cpu0;
    return {
      p50Ms: percentile(latencies, 50),
      perSecond: latencies.length / seconds,
      cpuMsPerRequest: cpuMs / latencies.length,
    };
  };

  try {
    // JIT warm-up: a fresh router or shard costs more per request for its first minute or so.
    for (const side of Object.values(sides)) {
      const until = Date.now() + Number(args.warmup) * 1000;
      while (Date.now() < until) await Promise.all(Array.from({ length: 16 }, () => infer(side.client)));
    }
    for (const point of args.requests!.split(',')) {
      const [concurrency, requests] = point.split(':').map(Number) as [number, number];
      // interleave's "mesh" is this build (B), its "peer" the baseline (A): ratios are B ÷ A.
      const rounds = await interleave(Number(args.rounds), (who) =>
        window(who === 'mesh' ? sides.B : sides.A, concurrency, requests),
      );
      const show = (w: Window): string =>
        `p50 ${w.p50Ms.toFixed(2)} ms, ${w.perSecond.toFixed(0)}/s, CPU ${w.cpuMsPerRequest.toFixed(2)} ms/req`;
      rounds.forEach((r, i) =>
        console.log(
          `c=${concurrency} round ${i + 1} (${r.first === 'mesh' ? 'BA' : 'AB'}): A ${show(r.peer)} | B ${show(r.mesh)}`,
        ),
      );
      const summary = (figure: (w: Window) => number): string => {
        const s = roundRatios(rounds, figure)!;
        return `${s.median.toFixed(3)}× (${s.min.toFixed(3)}–${s.max.toFixed(3)})`;
      };
      console.log(
        `c=${concurrency} B ÷ A over ${rounds.length} rounds: p50 ${summary((w) => w.p50Ms)}, throughput ${summary((w) => w.perSecond)}, CPU per request ${summary((w) => w.cpuMsPerRequest)}`,
      );
    }
  } finally {
    for (const side of Object.values(sides)) side.client.close();
    await Promise.all(Object.values(sides).map((s) => s.mesh.stop()));
    await certs.cleanup();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
