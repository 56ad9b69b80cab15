import { credentials, Metadata, status as Status, type Client } from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { rename, rm, writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCertsIssue } from '../certs/cli.js';
import { loadTlsFiles, type TlsMaterial } from '../certs/credentials.js';
import { storeTlsFiles } from '../certs/store.js';
import { startChildService, type ChildService } from '../cli/child-service.js';
import { loadInferencePackage } from '../lib/grpc/protos.js';
import { ChildLogs } from './harness/child-logs.js';
import { makeCertificates, prepareTestModels, TEST_MODELS_DIR } from './harness/mesh.js';

const quiet = (): void => undefined;

/**
 * Who may call what, and how much: a real router with a policy file, real client certificates,
 * no shards (an allowed inference then gets UNAVAILABLE, "no healthy replica": it got past the
 * access checks, which a denied one never does).
 */
describe('authorization and quotas at the router', () => {
  const matrix: [string, string][] = [];
  let certs: Awaited<ReturnType<typeof makeCertificates>>;
  let work: string;
  let policyFile: string;
  let router: ChildService;
  let logs: ChildLogs;
  const tls = new Map<string, TlsMaterial>();

  /** alice: infer and metadata on mlp; bob: metadata on everything; carol: everything, a burst of 2 requests, then one each 10 s. */
  const policy = (bobMayInfer: boolean): object => ({
    version: 1,
    rules: [
      { principals: [{ spiffe: 'spiffe://*/client/alice' }], verbs: ['infer', 'metadata'], models: ['mlp'] },
      {
        principals: [{ spiffe: 'spiffe://*/client/bob' }],
        verbs: bobMayInfer ? ['metadata', 'infer'] : ['metadata'],
        models: ['*'],
      },
      { principals: [{ spiffe: 'spiffe://*/client/carol' }], verbs: ['*'], models: ['*'] },
    ],
    quotas: [
      {
        principals: [{ spiffe: 'spiffe://*/client/carol' }],
        quota: { requestsPerSecond: 0.1, requestsBurst: 2 },
      },
    ],
  });
  const writePolicy = async (document: object | string): Promise<void> => {
    await writeFile(`${policyFile}.new`, typeof document === 'string' ? document : JSON.stringify(document));
    await rename(`${policyFile}.new`, policyFile);
  };

  before(async () => {
    await prepareTestModels();
    certs = await makeCertificates([
      ['router', 'router'],
      ['client', 'alice'],
    ]);
    for (const name of ['bob', 'carol']) await runCertsIssue({ dir: certs.dir, role: 'client', name }, quiet);
    for (const name of ['alice', 'bob', 'carol'])
      tls.set(name, await loadTlsFiles(storeTlsFiles(certs.dir, name)));
    work = await mkdtemp(path.join(tmpdir(), 'shardmesh-authz-'));
    policyFile = path.join(work, 'policy.json');
    await writePolicy(policy(false));
    router = await startChildService(
      'router',
      [
        'router',
        ...['--models', TEST_MODELS_DIR, '--certs', certs.dir, '--port', '0', '--metrics-port', '0'],
        ...['--registry', `embedded:${path.join(work, 'registry')}`, '--policy', policyFile],
      ],
      { logs: 'pipe', env: { ...process.env, SHARDMESH_LOG_LEVEL: 'info' } },
    );
    logs = ChildLogs.tap(router);
  });

  after(async () => {
    console.log(`authorization matrix:\n${matrix.map(([c, s]) => `  ${c.padEnd(44)} ${s}`).join('\n')}`);
    await router?.stop(5_000);
    await certs?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const Service = loadInferencePackage().service;
  type Unary = (
    request: object,
    metadata: Metadata,
    options: object,
    callback: (error: { code: Status; details: string; metadata?: Metadata } | null) => void,
  ) => void;
  type V2Client = Client & { ModelInfer: Unary; ModelMetadata: Unary; ModelStatistics: Unary };

  interface Outcome {
    readonly code: Status;
    readonly details: string;
    readonly pushbackMs?: string;
  }

  const call = async (
    who: string,
    method: 'ModelInfer' | 'ModelMetadata' | 'ModelStatistics',
    model: string,
  ): Promise<Outcome> => {
    const material = tls.get(who)!;
    const client = new Service(
      `127.0.0.1:${router.port}`,
      credentials.createSsl(
        Buffer.from(material.caPem),
        Buffer.from(material.keyPem!),
        Buffer.from(material.certPem!),
      ),
    ) as unknown as V2Client;
    const request =
      method === 'ModelInfer'
        ? {
            model_name: model,
            inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 8] }],
            raw_input_contents: [Buffer.alloc(32)],
          }
        : { name: model };
    const outcome = await new Promise<Outcome>((resolve) =>
      client[method](request, new Metadata(), { deadline: Date.now() + 10_000 }, (error) => {
        const pushback = error?.metadata?.get('grpc-retry-pushback-ms')[0];
        resolve(
          error
            ? {
                code: error.code,
                details: error.details,
                ...(pushback !== undefined ? { pushbackMs: String(pushback) } : {}),
              }
            : { code: Status.OK, details: '' },
        );
      }),
    );
    client.close();
    matrix.push([`${who} ${method} ${model}`, `${Status[outcome.code]} ${outcome.details.slice(0, 80)}`]);
    return outcome;
  };

  const denied = (o: Outcome, verb: string, model: string): void => {
    assert.equal(o.code, Status.PERMISSION_DENIED, o.details);
    assert.match(o.details, new RegExp(`verb ${verb} on model ${model}`));
    assert.doesNotMatch(o.details, /spiffe:|rules\[|alice|bob|carol/, 'no policy internals or identities');
  };
  /** Past every access check: the model is known, no shard serves it. */
  const admitted = (o: Outcome): void => {
    assert.equal(o.code, Status.UNAVAILABLE, o.details);
    assert.match(o.details, /no healthy replica/);
  };

  test('each identity may do what its rules allow, and nothing else', async () => {
    admitted(await call('alice', 'ModelInfer', 'mlp'));
    assert.equal((await call('alice', 'ModelMetadata', 'mlp')).code, Status.OK);
    denied(await call('alice', 'ModelInfer', 'outer'), 'infer', 'outer');
    denied(await call('alice', 'ModelStatistics', 'mlp'), 'statistics', 'mlp');
    assert.equal((await call('bob', 'ModelMetadata', 'outer')).code, Status.OK);
    denied(await call('bob', 'ModelInfer', 'mlp'), 'infer', 'mlp');
    const audit = await logs.waitFor(
      'an audit line for the denial',
      (l) => l['audit'] === 'denied' && l['verb'] === 'infer' && l['model'] === 'outer',
    );
    assert.match(String(audit['principal']), /client\/alice/, 'the audit line names the caller');
  });

  test('a caller over its quota gets RESOURCE_EXHAUSTED with a pushback; another caller is unaffected', async () => {
    const carol = [];
    for (let i = 0; i < 4; i++) carol.push(await call('carol', 'ModelMetadata', 'mlp'));
    assert.deepEqual(
      carol.map((o) => Status[o.code]),
      ['OK', 'OK', 'RESOURCE_EXHAUSTED', 'RESOURCE_EXHAUSTED'],
      'a burst of 2, then one more each 10 s',
    );
    assert.match(carol[2]!.details, /your quota/);
    assert.ok(Number(carol[2]!.pushbackMs) > 0, `pushback ${carol[2]!.pushbackMs}`);
    for (let i = 0; i < 4; i++) assert.equal((await call('bob', 'ModelMetadata', 'mlp')).code, Status.OK);
  });

  test('a router given no policy denies every call, and says so in its log', async () => {
    const bare = await startChildService(
      'router-without-policy',
      [
        'router',
        ...['--models', TEST_MODELS_DIR, '--certs', certs.dir, '--port', '0', '--metrics-port', '0'],
        ...['--registry', `embedded:${path.join(work, 'registry-bare')}`],
      ],
      { logs: 'pipe', env: { ...process.env, SHARDMESH_LOG_LEVEL: 'info' } },
    );
    const bareLogs = ChildLogs.tap(bare);
    try {
      await bareLogs.waitFor('the warning that every call is denied', (l) =>
        /every call will be denied/.test(String(l['msg'])),
      );
      const saved = router;
      router = bare;
      try {
        denied(await call('carol', 'ModelMetadata', 'mlp'), 'metadata', 'mlp');
        denied(await call('alice', 'ModelInfer', 'mlp'), 'infer', 'mlp');
      } finally {
        router = saved;
      }
    } finally {
      await bare.stop(5_000);
    }
  });

  test('a changed policy file takes effect while the router runs; an invalid one keeps the last good policy', async () => {
    denied(await call('bob', 'ModelInfer', 'mlp'), 'infer', 'mlp');
    await writePolicy(policy(true));
    const reloaded = async (): Promise<boolean> =>
      (await call('bob', 'ModelInfer', 'mlp')).code !== Status.PERMISSION_DENIED;
    for (let i = 0; i < 100 && !(await reloaded()); i++) await new Promise((r) => setTimeout(r, 100));
    admitted(await call('bob', 'ModelInfer', 'mlp'));
    await writePolicy('{ "version": 1, "rules": [ { "verbs": ["*"] } ] }');
    await logs.waitFor(
      'a log line that the invalid policy was kept out',
      (l) => typeof l['msg'] === 'string' && /policy/.test(l['msg']) && l['level'] >= 40,
    );
    admitted(await call('bob', 'ModelInfer', 'mlp'));
    denied(await call('alice', 'ModelInfer', 'outer'), 'infer', 'outer');
  });
});
