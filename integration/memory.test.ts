import { status as Status, type ServiceError as GrpcError } from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { storeTlsFiles } from '../certs/store.js';
import { InferenceClient } from '../cli/inference-client.js';
import { prepareSyntheticMlp } from '../partition/models/demo-models.js';
import { outer, randomTensor } from '../partition/models/synthetic.js';
import { writePartitionedModel } from '../partition/onnx/write.js';
import { splitTensorParallel } from '../partition/strategies/tensor/tensor.js';
import { rawInferRequest } from './harness/compare.js';
import { makeCertificates, startMesh, type Mesh } from './harness/mesh.js';
import { SlowReader, type SlowReaderOutcome } from './harness/slow-reader.js';

const MiB = 1 << 20;
/** `outer`: a [4096, 1] input (16 KiB) times a [1, 4096] row: a 64 MiB FP32 output, 32 MiB a partition. */
const OUTPUT_BYTES = 64 * MiB;
/** Room for three 64 MiB responses and small requests beside them, never a fourth large one. */
const ROUTER_BUDGET = 200 * MiB;
/** Two 32 MiB partition calls at once per shard; a third is refused in-band and retried. */
const SHARD_BUDGET = 80 * MiB;
/**
 * What a process may hold beyond its idle RSS and its budget: the output buffers the router keeps
 * for reuse (lib/tensor/output-buffers.ts, two per size: 128 MiB of 64 MiB outputs), ONNX
 * Runtime's copy of a run's outputs before they are chunked (shard), grpc-js and TLS buffers, and
 * V8's garbage not yet collected.
 */
const OVERHEAD = 192 * MiB;
/** The counts of issue 9: 80 clients that never read, 32 concurrent 64 MiB requests. */
const SLOW_READERS = 80;
const CONCURRENT = 32;

interface Memory {
  rss: number;
  hwm: number;
}

async function memoryOf(pid: number): Promise<Memory> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string): number =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]) * 1024;
  return { rss: kib('VmRSS'), hwm: kib('VmHWM') };
}

const mib = (bytes: number): string => `${(bytes / MiB).toFixed(0)} MiB`;

/** Status code names a set of calls ended with, counted. */
function tally(codes: readonly number[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const code of codes) counts[Status[code]!] = (counts[Status[code]!] ?? 0) + 1;
  return counts;
}

/**
 * Bounded memory with real processes: a router and two shards (one partition of `outer` each)
 * with small in-flight byte budgets, flooded with concurrent 64 MiB requests and with clients that
 * never read their answers. Each phase prints its counts and the processes' RSS; the test asserts
 * statuses, counts and RSS bounds (budget plus a stated overhead), never timings.
 */
describe('in-flight byte budgets against floods and slow readers', { timeout: 180_000 }, () => {
  let certs: Awaited<ReturnType<typeof makeCertificates>>;
  let work: string;
  let mesh: Mesh;
  let clients: InferenceClient[] = [];
  const pids = (): Record<string, number> => ({
    router: mesh.router.process.pid!,
    'shard-0': mesh.shards.get('shard-0')!.process.pid!,
    'shard-1': mesh.shards.get('shard-1')!.process.pid!,
  });
  const budgetOf = (name: string): number => (name === 'router' ? ROUTER_BUDGET : SHARD_BUDGET);
  const large = (seed: number): object => rawInferRequest('outer', [randomTensor('a', [4096, 1], seed)]);
  const small = (seed: number): object => rawInferRequest('mlp', [randomTensor('x', [1, 8], seed)]);

  /** Calls ModelInfer with a client of its own (its own connection); resolves with the status code. */
  async function codeOf(client: InferenceClient, request: object): Promise<number> {
    try {
      const response = await client.call<{ raw_output_contents: Buffer[] }>('ModelInfer', request, 60_000);
      const bytes = response.raw_output_contents.reduce((n, b) => n + b.length, 0);
      assert.ok(bytes === OUTPUT_BYTES || bytes === 32 * 4, `an answer of ${bytes} bytes`);
      return Status.OK;
    } catch (error) {
      const e = error as GrpcError;
      if (e.code === Status.RESOURCE_EXHAUSTED)
        assert.match(e.details, /in-flight byte budget.*not your quota/, e.details);
      return e.code;
    }
  }

  /** Each process's RSS once it listened, before any request. */
  const idle = new Map<string, number>();

  /** Every process's RSS and high-water mark, printed; each stays under idle + budget + OVERHEAD. */
  async function checkMemory(phase: string): Promise<void> {
    for (const [name, pid] of Object.entries(pids())) {
      const m = await memoryOf(pid);
      const bound = idle.get(name)! + budgetOf(name) + OVERHEAD;
      console.log(
        `${phase}: ${name} VmRSS ${mib(m.rss)}, VmHWM ${mib(m.hwm)} (idle ${mib(idle.get(name)!)}, budget ${mib(budgetOf(name))}, bound ${mib(bound)})`,
      );
      assert.ok(
        m.hwm <= bound,
        `${name} reached ${mib(m.hwm)}, over idle + budget + ${mib(OVERHEAD)} = ${mib(bound)}`,
      );
    }
  }

  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'shardmesh-memory-'));
    const models = path.join(work, 'models');
    const split = await splitTensorParallel(outer({ rows: 4096, cols: 4096, seed: 11 }), {
      name: 'outer',
      partitions: 2,
    });
    await writePartitionedModel(path.join(models, 'outer', '1'), split.plan, split.models);
    await prepareSyntheticMlp(models, { name: 'mlp', inputDim: 8, hiddenDim: 64, outputDim: 32, seed: 7 });
    certs = await makeCertificates([
      ['router', 'router'],
      ['client', 'client'],
      ['shard', 'shard-0'],
      ['shard', 'shard-1'],
    ]);
    const budget = (bytes: number): string[] => ['--max-inflight-bytes', `${bytes / MiB}MiB`];
    mesh = await startMesh({
      certsDir: certs.dir,
      modelsDir: models,
      routerArgs: budget(ROUTER_BUDGET),
      shards: [0, 1].map((p) => ({
        name: `shard-${p}`,
        serve: [`outer/1/*/${p}`, `mlp/1/*/${p}`],
        args: budget(SHARD_BUDGET),
      })),
      models: ['outer', 'mlp'],
    });
    const tls = storeTlsFiles(certs.dir, 'client');
    clients = await Promise.all(
      Array.from({ length: CONCURRENT }, () => InferenceClient.connect(mesh.address, tls)),
    );
    for (const [name, pid] of Object.entries(pids())) idle.set(name, (await memoryOf(pid)).rss);
    // Warm up: one large and one small request, so the baseline includes what every run loads.
    assert.equal(await codeOf(clients[0]!, large(1)), Status.OK);
    assert.equal(await codeOf(clients[0]!, small(1)), Status.OK);
    await checkMemory('after warm-up');
  });

  after(async () => {
    for (const c of clients) c.close();
    await mesh?.stop();
    await certs?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test(`${CONCURRENT} concurrent 64 MiB requests: some served, the rest RESOURCE_EXHAUSTED, memory bounded`, async () => {
    const codes = await Promise.all(clients.map((c, i) => codeOf(c, large(100 + i))));
    const counts = tally(codes);
    console.log(`flood of ${CONCURRENT} concurrent 64 MiB requests: ${JSON.stringify(counts)}`);
    assert.deepEqual(
      Object.keys(counts).filter((k) => k !== 'OK' && k !== 'RESOURCE_EXHAUSTED'),
      [],
      'only answers and RESOURCE_EXHAUSTED',
    );
    assert.ok((counts['OK'] ?? 0) >= 1, 'at least one request served');
    assert.ok((counts['RESOURCE_EXHAUSTED'] ?? 0) >= 1, 'excess requests refused');
    await checkMemory('after the flood');
    // Once the flood is over, the budget is whole again.
    assert.equal(await codeOf(clients[0]!, large(200)), Status.OK);
  });

  test(`${SLOW_READERS} clients that never read: 3 hold the router's budget, the rest are refused, small requests still served`, async () => {
    const tls = storeTlsFiles(certs.dir, 'client');
    // One after another, each once the router has answered the one before: a router that gave a
    // request's bytes back once its response was handed to grpc-js, rather than once it was
    // written, would take every one of them, and buffer 64 MiB for each.
    const readers: SlowReader[] = [];
    const outcomes: SlowReaderOutcome[] = [];
    try {
      for (let i = 0; i < SLOW_READERS; i++) {
        const reader = await SlowReader.open(mesh.address, tls, large(300 + i));
        readers.push(reader);
        outcomes.push(await reader.outcome);
      }
      const holding = outcomes.filter((o) => o.kind === 'responding').length;
      const refused = outcomes.filter(
        (o) => o.kind === 'status' && o.code === Status.RESOURCE_EXHAUSTED,
      ).length;
      console.log(`slow readers: ${holding} hold a response, ${refused} refused RESOURCE_EXHAUSTED`);
      for (const o of outcomes)
        if (o.kind === 'status') assert.match(o.details, /router's in-flight byte budget is full/, o.details);
      const fits = Math.floor(ROUTER_BUDGET / OUTPUT_BYTES);
      assert.equal(holding, fits, `${holding} responses held; the budget fits ${fits}`);
      assert.equal(holding + refused, SLOW_READERS, 'every other slow reader was refused');

      // While they hold their bytes: large requests are refused, small ones are served.
      const largeCodes = await Promise.all(clients.slice(0, 4).map((c, i) => codeOf(c, large(400 + i))));
      const smallCodes = await Promise.all(clients.map((c, i) => codeOf(c, small(500 + i))));
      console.log(
        `beside the slow readers: 64 MiB requests ${JSON.stringify(tally(largeCodes))}, small requests ${JSON.stringify(tally(smallCodes))}`,
      );
      assert.deepEqual(tally(largeCodes), { RESOURCE_EXHAUSTED: 4 }, 'no room for a large request');
      assert.deepEqual(tally(smallCodes), { OK: CONCURRENT }, 'small requests still served');
      await checkMemory('with slow readers holding');
    } finally {
      for (const r of readers) r.close();
    }
    // Their connections gone, their bytes come back: a large request is served again.
    let code: number = Status.RESOURCE_EXHAUSTED;
    for (let i = 0; i < 50 && code === Status.RESOURCE_EXHAUSTED; i++) {
      code = await codeOf(clients[0]!, large(600 + i));
      if (code === Status.RESOURCE_EXHAUSTED) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(Status[code], 'OK', 'the budget came back once the slow readers went away');
    await checkMemory('after the slow readers left');
  });
});
