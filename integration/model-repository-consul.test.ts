import { execFile } from 'node:child_process';
import { status as Status } from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { CLI_ENTRY } from '../cli/paths.js';
import { prepareSyntheticMlp, type PreparedModel } from '../partition/models/demo-models.js';
import { randomTensor } from '../partition/models/synthetic.js';
import { relativeMaxError, runModel } from '../partition/verify/verify.js';
import type { Tensor } from '../lib/tensor/tensor.js';
import { rawInferRequest, type InferResponse } from './harness/compare.js';
import { startConsulAgent, type ConsulAgent } from './harness/consul-agent.js';
import { LoadGenerator } from './harness/load-generator.js';
import { makeCertificates, startMesh, type Mesh } from './harness/mesh.js';

const run = promisify(execFile);

/** `shardmesh ARGS` of this build; resolves with stdout, rejects with the exit status and stderr. */
const shardmesh = async (...args: string[]): Promise<string> =>
  (await run(process.execPath, [CLI_ENTRY, ...args], { encoding: 'utf8', timeout: 60_000 })).stdout;

/**
 * The model repository in Consul KV, end to end over real processes: `shardmesh publish` writes
 * plans, `shardmesh fetch` brings the partition files to the shards' folder, the router (given no
 * model folder) serves what KV says, a new version takes traffic only once all of it is ready, and
 * RepositoryModelLoad/Unload change what is served. The two versions of `mv` have different
 * weights, so every answer says which version computed it, and a mix of versions matches neither.
 */
describe('models published through Consul KV', () => {
  let consul: ConsulAgent;
  let certs: Awaited<ReturnType<typeof makeCertificates>>;
  let work: string;
  let mesh: Mesh;
  let v1: PreparedModel;
  let v2: PreparedModel;
  let fetched: string;
  const x: Tensor = randomTensor('x', [2, 8], 21);
  const expected = new Map<string, Tensor>();
  const kv = async (key: string): Promise<unknown> =>
    JSON.parse(
      await (await fetch(`http://${consul.host}:${consul.httpPort}/v1/kv/${key}?raw=true`)).text(),
    ) as unknown;

  /** Which version's output `response` is; undefined for neither (wrong, or a mix). */
  const versionOf = (response: InferResponse): string | undefined => {
    const data = response.raw_output_contents[0]!;
    for (const [version, tensor] of expected)
      if (relativeMaxError({ ...tensor, data }, tensor) <= 1e-5 && response.model_version === version)
        return version;
    return undefined;
  };
  const infer = (version = ''): Promise<InferResponse> =>
    mesh.client.call<InferResponse>('ModelInfer', { ...rawInferRequest('mv', [x]), model_version: version });
  const index = async () =>
    (
      await mesh.client.call<{ models: { name: string; version: string; state: string; reason: string }[] }>(
        'RepositoryIndex',
        {},
      )
    ).models;
  const until = async (what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> => {
    const end = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > end) assert.fail(`${what} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'shardmesh-kv-repo-'));
    const shape = { name: 'mv', inputDim: 8, hiddenDim: 64, outputDim: 16, partitions: 2 };
    v1 = await prepareSyntheticMlp(path.join(work, 'one', 'models'), { ...shape, version: '1', seed: 7 });
    v2 = await prepareSyntheticMlp(path.join(work, 'two', 'models'), { ...shape, version: '2', seed: 8 });
    expected.set('1', (await runModel(v1.original, [x]))[0]!);
    expected.set('2', (await runModel(v2.original, [x]))[0]!);
    assert.ok(relativeMaxError(expected.get('2')!, expected.get('1')!) > 0.1, 'the versions differ');
    consul = await startConsulAgent();
    certs = await makeCertificates([
      ['router', 'router'],
      ['client', 'client'],
      ...['1a', '1b', '2a', '2b', 'bad'].map((n) => ['shard', `shard-${n}`] as const),
    ]);
    fetched = path.join(work, 'fetched');
  });

  after(async () => {
    await mesh?.stop();
    await consul?.stop();
    await certs?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('publish writes the documented keys; fetch brings the files; the router, given no model folder, serves it', async () => {
    const said = await shardmesh(
      'publish',
      v1.dir,
      '--registry',
      consul.url,
      '--base-url',
      pathToFileURL(v1.dir).href,
    );
    assert.match(said, /^mv\/1: published \(2 partition files\)/);
    const again = ['publish', v1.dir, '--registry', consul.url, '--base-url', pathToFileURL(v1.dir).href];
    assert.match(await shardmesh(...again), /^mv\/1: already published, unchanged/);
    await assert.rejects(
      shardmesh('publish', v1.dir, '--registry', consul.url),
      /mv\/1 is already published with another plan/,
    );
    const plan = (await kv('shardmesh/models/mv/versions/1/plan')) as {
      stages: { partitions: { file: string; bytes: number; sha256: string; url: string }[] }[];
    };
    for (const p of plan.stages[0]!.partitions) {
      assert.equal(p.bytes, (await readFile(path.join(v1.dir, p.file))).length);
      assert.match(p.sha256, /^[0-9a-f]{64}$/);
      assert.equal(p.url, `${pathToFileURL(v1.dir).href}/${p.file}`);
    }
    await shardmesh('fetch', 'mv/1', '--registry', consul.url, '--out', fetched);
    assert.deepEqual(
      (await readdir(path.join(fetched, 'mv', '1'))).sort(),
      [...plan.stages[0]!.partitions.map((p) => p.file), 'plan.json'].sort(),
    );
    mesh = await startMesh({
      registryUrl: consul.url,
      certsDir: certs.dir,
      modelsDir: fetched,
      publish: false,
      shards: [
        { name: 'shard-1a', serve: ['mv/1/*/0'] },
        { name: 'shard-1b', serve: ['mv/1/*/1'] },
      ],
    });
    const routerArgs = (await readFile(`/proc/${mesh.router.process.pid}/cmdline`, 'utf8')).split('\0');
    assert.ok(!routerArgs.includes('--models'), `router started with ${routerArgs.join(' ')}`);
    await mesh.waitForModel('mv');
    assert.equal(versionOf(await infer()), '1');
    assert.deepEqual(await index(), [{ name: 'mv', version: '1', state: 'READY', reason: '' }]);
  });

  test('publishing v2 under load: no failed request, none answered by a mix, v2 serves only once all its partitions are ready', async () => {
    const answers: { version: string | undefined; atMs: number }[] = [];
    let stopped = false;
    const load = new LoadGenerator({
      client: mesh.client,
      cases: [
        {
          request: rawInferRequest('mv', [x]),
          isRight: (response) => {
            const version = versionOf(response);
            answers.push({ version, atMs: Date.now() });
            return version !== undefined;
          },
        },
      ],
      seed: 1,
      concurrency: 4,
      deadlineMs: 10_000,
    });
    try {
      await shardmesh('publish', v2.dir, '--registry', consul.url, '--base-url', pathToFileURL(v2.dir).href);
      await shardmesh('fetch', 'mv/2', '--registry', consul.url, '--out', fetched);
      await until('mv/2 LOADING in the index', async () =>
        (await index()).some((m) => m.version === '2' && m.state === 'LOADING'),
      );
      await mesh.startShard('shard-2a', ['mv/2/*/0']);
      const halfUpMs = Date.now();
      // Half of v2 is up: it must take no traffic. Long enough for the router to see shard-2a.
      await until('mv/2 still waiting for partition 1 with partition 0 up', async () => {
        const v = (await index()).find((m) => m.version === '2');
        return v?.reason === 'waiting for a replica of stage "mlp-0" partition 1';
      });
      await new Promise((r) => setTimeout(r, 1000));
      const beforeSecondHalfMs = Date.now();
      await mesh.startShard('shard-2b', ['mv/2/*/1']);
      await until('answers from v2', () => Promise.resolve(answers.at(-1)?.version === '2'));
      await new Promise((r) => setTimeout(r, 500));
      const counts = await load.stop();
      stopped = true;
      const byVersion = (v: string): number => answers.filter((a) => a.version === v).length;
      console.log(
        JSON.stringify({
          scenario: 'publish v2 under load',
          ...counts,
          v1: byVersion('1'),
          v2: byVersion('2'),
        }),
      );
      assert.deepEqual(counts.failed, {}, JSON.stringify(counts));
      assert.equal(counts.wrong, 0, 'answers that match neither version (a mix) or carry the wrong version');
      assert.equal(counts.refused, 0);
      const early = answers.filter((a) => a.version === '2' && a.atMs < beforeSecondHalfMs);
      assert.deepEqual(early, [], 'v2 answered before its second partition existed');
      const whileHalfUp = answers.filter((a) => a.atMs >= halfUpMs && a.atMs < beforeSecondHalfMs);
      assert.ok(whileHalfUp.length > 0, 'requests were answered while half of v2 was up');
      assert.ok(whileHalfUp.every((a) => a.version === '1'));
    } finally {
      if (!stopped) await load.stop();
    }
    assert.equal(versionOf(await infer('1')), '1', 'a pinned older version still serves');
    assert.equal(versionOf(await infer()), '2');
    assert.deepEqual(
      (await index()).map((m) => `${m.version}:${m.state}`),
      ['1:READY', '2:READY'],
    );
  });

  test('v2 loses a partition: UNAVAILABLE in the index, and an empty version falls back to v1', async () => {
    await mesh.shards.get('shard-2b')!.stop(5000);
    mesh.shards.delete('shard-2b');
    await until('mv/2 UNAVAILABLE', async () =>
      (await index()).some(
        (m) =>
          m.version === '2' &&
          m.state === 'UNAVAILABLE' &&
          m.reason === 'stage "mlp-0" partition 1 has no healthy replica',
      ),
    );
    assert.equal(versionOf(await infer()), '1');
    await assert.rejects(infer('2'), (e: { code: number }) => e.code === Status.UNAVAILABLE);
  });

  test('shardmesh models unload/load: UNAVAILABLE while unloaded, the desired state in KV, then served again', async () => {
    const client = ['--address', mesh.address, '--certs', certs.dir];
    assert.match(await shardmesh('models', 'unload', 'mv', ...client), /mv: unloaded/);
    assert.deepEqual(await kv('shardmesh/models/mv/desired'), {
      state: 'UNLOADED',
      reason: 'unloaded through RepositoryModelUnload',
    });
    await assert.rejects(
      infer(),
      (e: { code: number; details: string }) =>
        e.code === Status.UNAVAILABLE && /^Request for unknown model: 'mv' is unloaded/.test(e.details),
    );
    assert.match(
      await shardmesh('models', 'list', ...client),
      /^mv\/1 UNAVAILABLE \(unloaded: unloaded through RepositoryModelUnload\)$/m,
    );
    await shardmesh('models', 'load', 'mv', ...client);
    assert.deepEqual(await kv('shardmesh/models/mv/desired'), { state: 'LOADED' });
    assert.equal(versionOf(await infer()), '1');
    await assert.rejects(shardmesh('models', 'load', 'nope', ...client), /NOT_FOUND|not found/);
  });

  test('a shard refuses a partition file whose SHA-256 differs from the published plan', async () => {
    const tampered = path.join(work, 'tampered');
    await cp(path.join(fetched, 'mv', '1'), path.join(tampered, 'mv', '1'), {
      recursive: true,
      dereference: true,
    });
    const plan = JSON.parse(await readFile(path.join(tampered, 'mv', '1', 'plan.json'), 'utf8')) as {
      stages: { partitions: { file: string }[] }[];
    };
    const file = path.join(tampered, 'mv', '1', plan.stages[0]!.partitions[1]!.file);
    const bytes = await readFile(file);
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 1; // same size, one bit changed
    await writeFile(file, bytes);
    const args = ['shard', '--registry', consul.url, '--certs', certs.dir, '--name', 'shard-bad'];
    const started = shardmesh(...args, '--models', tampered, '--serve', 'mv/1/*/1');
    await assert.rejects(started, (e: { stderr: string }) => {
      assert.match(e.stderr, /"msg":"partition refused"/);
      assert.match(e.stderr, /"failure":"changed"/);
      assert.match(e.stderr, /SHA-256 [0-9a-f]{64} differs from the plan's [0-9a-f]{64}/);
      return true;
    });
  });
});
