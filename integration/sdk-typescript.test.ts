import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import {
  DEV_TOKEN_AUDIENCE,
  DEV_TOKEN_ISSUER,
  ensureDevTokenKeys,
  signDevToken,
} from '../certs/dev-tokens.js';
import { storeTlsFiles } from '../certs/store.js';
import { startChildService } from '../cli/child-service.js';
import { PACKAGE_ROOT } from '../cli/paths.js';
import { bytesWrittenThrough } from '../lib/grpc/read-while-writing.js';
import type { Tensor as ProjectTensor } from '../lib/tensor/tensor.js';
import type { PreparedRepository } from '../partition/models/demo-models.js';
import { randomFloat32 } from '../partition/models/synthetic.js';
import { relativeMaxError, runModel } from '../partition/verify/verify.js';
import { ShardmeshClient, ShardmeshError, Status, type RetryEvent } from '../sdk/typescript/src/index.js';
import {
  makeCertificates,
  prepareTestModels,
  startMesh,
  TEST_MODELS_DIR,
  type Mesh,
} from './harness/mesh.js';

/** How long the slow shard (outer's partition 1) holds every run, so a test can abort mid-call. */
const SLOW_RUN_DELAY_MS = 3_000;

/**
 * The TypeScript SDK (`sdk/typescript`) against a real router and shards with mTLS and dev
 * tokens. shard-0 serves every model's partition 0; `mlp`'s partition 1 has no shard until the
 * retry test starts one (`ensureMlp` starts it for a test run on its own); shard-slow serves
 * `outer`'s partition 1 with a run delay. The quota test starts a second router of its own.
 */
describe('TypeScript SDK against a live mesh', () => {
  let certs: Awaited<ReturnType<typeof makeCertificates>>;
  let mesh: Mesh;
  let models: PreparedRepository;
  let client: ShardmeshClient;
  let mlpStarted = false;

  before(async () => {
    models = await prepareTestModels();
    certs = await makeCertificates([
      ['router', 'router'],
      ['client', 'client'],
      ['shard', 'shard-0'],
      ['shard', 'shard-1'],
      ['shard', 'shard-slow'],
    ]);
    const { jwksFile } = await ensureDevTokenKeys(certs.dir);
    mesh = await startMesh({
      certsDir: certs.dir,
      routerArgs: [
        ...['--jwks', jwksFile, '--token-issuer', DEV_TOKEN_ISSUER],
        ...['--token-audience', DEV_TOKEN_AUDIENCE],
      ],
      shards: [
        { name: 'shard-0', serve: ['*/*/*/0'] },
        {
          name: 'shard-slow',
          serve: ['outer/*/*/1'],
          env: { SHARDMESH_TEST_RUN_DELAY_MS: String(SLOW_RUN_DELAY_MS) },
        },
      ],
    });
    await mesh.waitForModel('outer');
    client = await ShardmeshClient.connect(mesh.address, { tls: storeTlsFiles(certs.dir, 'client') });
  });

  after(async () => {
    client?.close();
    await mesh?.stop();
    await certs?.cleanup();
  });

  const ensureMlp = async (): Promise<void> => {
    if (mlpStarted) return;
    mlpStarted = true;
    await mesh.startShard('shard-1', ['mlp/*/*/1']);
    await mesh.waitForModel('mlp');
  };

  /** An `mlp` input [rows, 8] and the unsplit model's answer from in-process ONNX Runtime. */
  const mlpCase = async (rows: number, seed: number) => {
    const x = randomFloat32(rows * 8, seed);
    const [expected] = await runModel(models.models.mlp.original, [tensor('x', [rows, 8], x)]);
    return { x, expected: expected! };
  };

  const assertMatches = (y: Float32Array, expected: ProjectTensor): void => {
    assert.ok(relativeMaxError(tensor(expected.name, expected.shape, y), expected) <= 1e-5);
  };

  const failsWith = (code: Status) => (e: unknown) => {
    assert.ok(e instanceof ShardmeshError, String(e));
    assert.equal(e.codeName, Status[code], e.message);
    return true;
  };

  test("a retry on UNAVAILABLE: mlp's partition 1 has no shard, then one comes up mid-retries", async () => {
    const { x, expected } = await mlpCase(2, 31);
    const inputs = { x: { shape: [2, 8], data: x } };
    // Without retries the router's answer is final: no replica of partition 1.
    await assert.rejects(client.infer('mlp', inputs, { timeoutMs: 10_000 }), failsWith(Status.UNAVAILABLE));
    const retrying = await ShardmeshClient.connect(mesh.address, {
      tls: storeTlsFiles(certs.dir, 'client'),
      retry: { attempts: 200, initialBackoffMs: 50, maxBackoffMs: 250 },
    });
    const retries: RetryEvent[] = [];
    let started: Promise<void> | undefined;
    try {
      const result = await retrying.infer('mlp', inputs, {
        timeoutMs: 60_000,
        onRetry: (event) => {
          retries.push(event);
          started ??= ensureMlp();
        },
      });
      assertMatches(result.output('y', 'FP32'), expected);
    } finally {
      await started;
      retrying.close();
    }
    assert.ok(retries.length >= 1);
    assert.deepEqual([...new Set(retries.map((r) => r.error.codeName))], ['UNAVAILABLE']);
  });

  test("RESOURCE_EXHAUSTED is retried after the router's grpc-retry-pushback-ms, and only then", async () => {
    // A second router on the same registry whose policy gives each client one request per 250 ms.
    const work = await mkdtemp(path.join(tmpdir(), 'shardmesh-sdk-quota-'));
    const policyFile = path.join(work, 'policy.json');
    const client = [{ spiffe: 'spiffe://*/client/*' }];
    await writeFile(
      policyFile,
      JSON.stringify({
        version: 1,
        rules: [{ principals: client, verbs: ['*'], models: ['*'] }],
        quotas: [{ principals: client, quota: { requestsPerSecond: 4, requestsBurst: 1 } }],
      }),
    );
    const router = await startChildService(
      'router-quota',
      [
        'router',
        ...['--registry', mesh.registryUrl, '--models', TEST_MODELS_DIR, '--certs', certs.dir],
        ...['--port', '0', '--metrics-port', '0', '--policy', policyFile],
      ],
      { logs: 'ignore' },
    );
    const connect = (attempts: number) =>
      ShardmeshClient.connect(`127.0.0.1:${router.port}`, {
        tls: storeTlsFiles(certs.dir, 'client'),
        retry: { attempts },
      });
    const once = await connect(1);
    const retrying = await connect(5);
    try {
      await once.modelMetadata('mlp');
      await assert.rejects(once.modelMetadata('mlp'), (e: unknown) => {
        failsWith(Status.RESOURCE_EXHAUSTED)(e);
        assert.ok((e as ShardmeshError).retryPushbackMs! > 0, (e as Error).message);
        return true;
      });
      const retries: RetryEvent[] = [];
      const onRetry = (event: RetryEvent): number => retries.push(event);
      for (let i = 0; i < 3; i++)
        assert.equal((await retrying.modelMetadata('mlp', { onRetry })).name, 'mlp');
      assert.ok(retries.length >= 2, `${retries.length} retries`);
      for (const r of retries) {
        assert.equal(r.error.codeName, 'RESOURCE_EXHAUSTED');
        assert.equal(r.delayMs, r.error.retryPushbackMs);
      }
    } finally {
      once.close();
      retrying.close();
      await router.stop(5_000);
      await rm(work, { recursive: true, force: true });
    }
  });

  test('with mTLS: readiness, metadata, and an inference that matches in-process ONNX Runtime', async () => {
    await ensureMlp();
    assert.equal(await client.live(), true);
    assert.equal(await client.ready(), true);
    assert.equal(await client.modelReady('mlp'), true);
    assert.equal(await client.modelReady('ocr-rec'), false);
    await assert.rejects(client.modelReady('no-such-model'), failsWith(Status.NOT_FOUND));
    const metadata = await client.modelMetadata('mlp');
    assert.deepEqual(metadata.inputs, [{ name: 'x', datatype: 'FP32', shape: [-1, 8] }]);
    assert.deepEqual(metadata.versions, ['1']);
    const { x, expected } = await mlpCase(3, 5);
    const result = await client.infer('mlp', { x: { shape: [3, 8], data: x } }, { outputs: ['y'] });
    assert.equal(result.model, 'mlp');
    assert.deepEqual(result.outputs['y']?.shape, [3, 32]);
    assertMatches(result.output('y', 'FP32'), expected);
  });

  test('its connection reads while it writes (sdk/typescript/src/read-while-writing.ts)', async () => {
    await ensureMlp();
    // A client that connects fresh, so the count sees its first bytes.
    const fresh = await ShardmeshClient.connect(mesh.address, { tls: storeTlsFiles(certs.dir, 'client') });
    const { x } = await mlpCase(1, 7);
    const written = await bytesWrittenThrough(async () => {
      await fresh.infer('mlp', { x: { shape: [1, 8], data: x } });
    }).finally(() => fresh.close());
    assert.ok(written > 0, 'the call went through ReadWhileWriting');
  });

  test('with a bearer token and no client certificate; neither is UNAUTHENTICATED', async () => {
    await ensureMlp();
    const { caFile } = storeTlsFiles(certs.dir, 'client');
    let asked = 0;
    const tokenClient = await ShardmeshClient.connect(mesh.address, {
      tls: { caFile },
      token: () => (asked++, signDevToken(certs.dir, { subject: 'sdk-test', ttlSeconds: 600 })),
    });
    const anonymous = await ShardmeshClient.connect(mesh.address, { tls: { caFile } });
    try {
      const { x, expected } = await mlpCase(1, 9);
      const result = await tokenClient.infer('mlp', { x: { shape: [1, 8], data: x } });
      assertMatches(result.output('y', 'FP32'), expected);
      assert.equal(asked, 1);
      await assert.rejects(
        anonymous.infer('mlp', { x: { shape: [1, 8], data: x } }),
        failsWith(Status.UNAUTHENTICATED),
      );
    } finally {
      tokenClient.close();
      anonymous.close();
    }
  });

  test('an AbortSignal fired mid-call cancels it: CANCELLED, long before the shard would answer', async () => {
    const controller = new AbortController();
    const a = { a: { shape: [4096, 1], data: randomFloat32(4096, 3) } };
    const started = Date.now();
    const call = client.infer('outer', a, { signal: controller.signal, timeoutMs: 30_000 });
    setTimeout(() => controller.abort(new Error('the user gave up')), 300);
    await assert.rejects(call, (e: unknown) => {
      failsWith(Status.CANCELLED)(e);
      assert.equal(((e as Error).cause as Error).message, 'the user gave up');
      return true;
    });
    const elapsedMs = Date.now() - started;
    assert.ok(elapsedMs < SLOW_RUN_DELAY_MS - 1_000, `took ${elapsedMs} ms`);
    // The connection is still good for the next call.
    assert.equal(await client.live(), true);
  });

  test('a deadline shorter than the call is DEADLINE_EXCEEDED', async () => {
    const a = { a: { shape: [4096, 1], data: randomFloat32(4096, 4) } };
    const started = Date.now();
    await assert.rejects(client.infer('outer', a, { timeoutMs: 400 }), failsWith(Status.DEADLINE_EXCEEDED));
    assert.ok(Date.now() - started < SLOW_RUN_DELAY_MS - 1_000);
  });

  test('a stream answers each request, a bad one with its own INVALID_ARGUMENT, and carries on', async () => {
    await ensureMlp();
    const { x, expected } = await mlpCase(1, 12);
    const stream = await client.stream({ timeoutMs: 30_000 });
    stream.send('mlp', { x: { shape: [1, 8], data: x } }, { id: 'good' });
    stream.send('mlp', { x: { shape: [1, 7], data: x.subarray(0, 7) } }, { id: 'bad' });
    const again = stream.send('mlp', { x: { shape: [1, 8], data: x } });
    stream.end();
    const answers = new Map<string, ShardmeshError | Float32Array>();
    for await (const answer of stream)
      answers.set(answer.id, answer.error ?? answer.result.output('y', 'FP32'));
    assert.deepEqual([...answers.keys()].sort(), [again, 'bad', 'good'].sort());
    assertMatches(answers.get('good') as Float32Array, expected);
    assertMatches(answers.get(again) as Float32Array, expected);
    const bad = answers.get('bad');
    assert.ok(bad instanceof ShardmeshError);
    assert.equal(bad.codeName, 'INVALID_ARGUMENT');
    assert.match(bad.details, /input "x": shape \[1,7\]/);
  });

  test("the README's ten-line example runs as written, against this mesh", async () => {
    await ensureMlp();
    const readme = await readFile(path.join(PACKAGE_ROOT, 'sdk', 'typescript', 'README.md'), 'utf8');
    const example = /## Ten lines against `npm start`[\s\S]*?```js\n([\s\S]*?)```/.exec(readme)?.[1];
    assert.ok(example !== undefined, 'the README has the example block');
    assert.ok(example.trim().split('\n').length <= 10, example);
    // Only the package name and the address change: the package is this build, the router this
    // test's. The certificates are where `npm start` writes them, under the working directory.
    const entry = pathToFileURL(path.join(PACKAGE_ROOT, 'dist', 'sdk', 'typescript', 'src', 'index.js'));
    const script = example
      .replace("'@shardmesh/client'", `'${entry.href}'`)
      .replace("'127.0.0.1:8001'", `'${mesh.address}'`);
    assert.notEqual(script.indexOf(mesh.address), -1);
    const work = await mkdtemp(path.join(tmpdir(), 'shardmesh-sdk-example-'));
    try {
      await mkdir(path.join(work, '.shardmesh'));
      await symlink(certs.dir, path.join(work, '.shardmesh', 'certs'));
      await writeFile(path.join(work, 'example.mjs'), script);
      const { stdout } = await promisify(execFile)(process.execPath, ['example.mjs'], {
        cwd: work,
        timeout: 30_000,
      });
      assert.match(stdout, /^\[ 1, 32 \] Float32Array\(32\) \[/);
      const x = Float32Array.from([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]);
      const [expected] = await runModel(models.models.mlp.original, [tensor('x', [1, 8], x)]);
      const printed = Float32Array.from(
        stdout
          .slice(stdout.indexOf('[', 10))
          .match(/-?[\d.]+(e[-+]\d+)?/g)!
          .map(Number),
      );
      assert.equal(printed.length, 32);
      // node prints floats with enough digits to tell them apart, not always all of them.
      assert.ok(relativeMaxError(tensor('y', [1, 32], printed), expected!) <= 1e-5);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });
});

function tensor(name: string, shape: readonly number[], data: Float32Array): ProjectTensor {
  return { name, datatype: 'FP32', shape, data: Buffer.from(data.buffer, data.byteOffset, data.byteLength) };
}
