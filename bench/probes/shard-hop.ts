/**
 * A quick probe of the router→shard hop and of end-to-end ModelInfer on a demo model, all its
 * partitions on one shard process, for A/B runs of the internal protocol: `mlp` (8→256→32, two
 * tensor-parallel partitions, 32-byte input) or `ocr-rec` (PP-OCRv4 recognition, 3 stages, 4
 * partition calls, a 180 KiB input; the hop runs its backbone stage). Not part of `npm run bench`.
 *
 *   node dist/bench/probes/shard-hop.js [--model mlp|ocr-rec] [--seconds 3] [--calls 1000] [--label NAME]
 *
 * Prints one JSON line: the hop's p50/p90 at concurrency 1 and its calls/s at 16, measured by
 * the router's own `shardCaller` run in this process against a real shard (mTLS, ORT on the
 * partition), then ModelInfer p50 at c=1 and inferences/s at c=16 through a real router. Set
 * NODE_OPTIONS=--cpu-prof --cpu-prof-dir=DIR to profile router and shard too (children inherit it).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadTlsFiles, type TlsFiles } from '../../certs/credentials.js';
import { storeTlsFiles } from '../../certs/store.js';
import { makeCertificates, startLocalMesh } from '../../cli/local-mesh.js';
import { PACKAGE_ROOT } from '../../cli/paths.js';
import { prepareModelRepository } from '../../partition/models/demo-models.js';
import { randomTensor } from '../../partition/models/synthetic.js';
import { openRegistry } from '../../registry/open-registry.js';
import type { ShardInstance } from '../../registry/registry.js';
import { shardCaller } from '../../services/router/partition-call.js';
import { ShardClients } from '../../services/router/shard-clients.js';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '3' },
    calls: { type: 'string', default: '1000' },
    label: { type: 'string', default: 'run' },
    model: { type: 'string', default: 'mlp' },
  },
});
const seconds = Number(args.seconds);
const calls = Number(args.calls);
const model = args.model;
const inputShape: Record<string, number[]> = { mlp: [1, 8], 'ocr-rec': [1, 3, 48, 320] };
if (!inputShape[model]) throw new TypeError(`--model ${model}: mlp or ocr-rec`);

const quantile = (sorted: number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

/** Runs `once` `n` times in sequence (after n/10 warm-up calls); p50 and p90 in µs. */
async function latency(n: number, once: () => Promise<unknown>): Promise<{ p50: number; p90: number }> {
  for (let i = 0; i < Math.ceil(n / 10); i++) await once();
  const us: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    await once();
    us.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  us.sort((a, b) => a - b);
  return { p50: Math.round(quantile(us, 0.5)), p90: Math.round(quantile(us, 0.9)) };
}

/** Calls/s with `concurrency` loops calling `once` for `s` seconds. */
async function throughput(concurrency: number, s: number, once: () => Promise<unknown>): Promise<number> {
  const end = Date.now() + s * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < end) {
        await once();
        done++;
      }
    }),
  );
  return Math.round(done / s);
}

function firstInstance(url: string, stage: string, partition: number): Promise<ShardInstance> {
  return new Promise((resolve) => {
    const watch = openRegistry(url).watch((instances) => {
      const found = instances.find(
        (i) => i.model === model && i.stage === stage && i.partition === partition,
      );
      if (!found) return;
      watch.close();
      resolve(found);
    });
  });
}

const modelsDir = path.join(PACKAGE_ROOT, '.shardmesh', 'probe-models');
await prepareModelRepository(modelsDir, { partitions: 2 });
const certs = await makeCertificates([
  ['router', 'router'],
  ['shard', 'shard-0'],
  ['client', 'client'],
]);
const mesh = await startLocalMesh({
  certsDir: certs.dir,
  modelsDir,
  shards: [{ name: 'shard-0', serve: [`${model}/1/*/*`] }],
  models: [model],
});
try {
  const plan = JSON.parse(await readFile(path.join(modelsDir, model, '1', 'plan.json'), 'utf8')) as {
    stages: { name: string }[];
  };
  const x = randomTensor('x', inputShape[model]!, 3);
  const instance = await firstInstance(mesh.registryUrl, plan.stages[0]!.name, 0);
  const clients = new ShardClients(await loadTlsFiles(storeTlsFiles(certs.dir, 'router') as TlsFiles));
  const caller = shardCaller(clients);
  const never = new AbortController().signal;
  const hop = (): Promise<unknown> =>
    caller({
      instance,
      header: {
        request_id: 'probe',
        model,
        version: '1',
        stage: plan.stages[0]!.name,
        partition: 0,
        inputs: [],
      },
      inputs: [x],
      deadline: new Date(Date.now() + 30_000),
      signal: never,
      chunkBytes: 1 << 20,
      sink: { header: () => undefined, chunk: () => undefined },
    });
  const request = {
    model_name: model,
    inputs: [{ name: 'x', datatype: 'FP32', shape: x.shape }],
    raw_input_contents: [x.data],
  };
  const infer = (): Promise<unknown> => mesh.client.call('ModelInfer', request);

  const hopC1 = await latency(calls, hop);
  const hopC16 = await throughput(16, seconds, hop);
  const e2eC1 = await latency(calls, infer);
  const e2eC16 = await throughput(16, seconds, infer);
  clients.close();
  console.log(
    JSON.stringify({
      label: args.label,
      model,
      hopP50Us: hopC1.p50,
      hopP90Us: hopC1.p90,
      hopC16PerS: hopC16,
      inferP50Us: e2eC1.p50,
      inferP90Us: e2eC1.p90,
      inferC16PerS: e2eC16,
    }),
  );
} finally {
  await mesh.stop();
  await certs.cleanup();
}
