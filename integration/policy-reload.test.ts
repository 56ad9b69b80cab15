// A policy reload while calls are in flight, on a real router and shard (mTLS, ONNX Runtime): the
// shard holds each run for a while, the policy file is replaced mid-run with one that revokes the
// caller of those runs and admits another. Calls admitted under the old policy finish with their
// answers; calls made after the reload are decided by the new one.
import { status as Status, type ServiceError as GrpcError } from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { storeTlsFiles } from '../certs/store.js';
import { InferenceClient } from '../cli/inference-client.js';
import { rawInferRequest } from './harness/compare.js';
import { makeCertificates, prepareTestModels, startMesh, type Mesh } from './harness/mesh.js';
import { randomTensor } from '../partition/models/synthetic.js';

const RUN_DELAY_MS = 1_500;
const IN_FLIGHT = 6;

/** `who` may infer on mlp; `client` (the mesh launcher's readiness checks) may do anything. */
const policyAdmitting = (who: string): string =>
  JSON.stringify({
    version: 1,
    rules: [
      { principals: [{ spiffe: 'spiffe://*/client/client' }], verbs: ['*'], models: ['*'] },
      { principals: [{ spiffe: `spiffe://*/client/${who}` }], verbs: ['infer'], models: ['mlp'] },
    ],
  });

describe('a policy reload with calls in flight', () => {
  let certs: Awaited<ReturnType<typeof makeCertificates>>;
  let work: string;
  let policyFile: string;
  let mesh: Mesh;
  let alice: InferenceClient;
  let bob: InferenceClient;
  const request = rawInferRequest('mlp', [randomTensor('x', [1, 8], 7)]);

  before(async () => {
    await prepareTestModels();
    certs = await makeCertificates([
      ['router', 'router'],
      ['client', 'client'],
      ['client', 'alice'],
      ['client', 'bob'],
      ['shard', 'shard-0'],
    ]);
    work = await mkdtemp(path.join(tmpdir(), 'shardmesh-policy-reload-'));
    policyFile = path.join(work, 'policy.json');
    await writeFile(policyFile, policyAdmitting('alice'));
    mesh = await startMesh({
      certsDir: certs.dir,
      shards: [
        { name: 'shard-0', serve: ['mlp/*/*/*'], env: { SHARDMESH_TEST_RUN_DELAY_MS: String(RUN_DELAY_MS) } },
      ],
      routerArgs: ['--policy', policyFile],
      models: ['mlp'],
    });
    alice = await InferenceClient.connect(mesh.address, storeTlsFiles(certs.dir, 'alice'));
    bob = await InferenceClient.connect(mesh.address, storeTlsFiles(certs.dir, 'bob'));
  });

  after(async () => {
    alice?.close();
    bob?.close();
    await mesh?.stop();
    await certs?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const outcome = (client: InferenceClient): Promise<Status> =>
    client.call('ModelInfer', request, 30_000).then(
      () => Status.OK,
      (error: GrpcError) => error.code,
    );

  test('calls admitted before the reload finish OK; later calls follow the new policy', async () => {
    assert.equal(await outcome(alice), Status.OK, 'alice is admitted by the first policy');
    assert.equal(await outcome(bob), Status.PERMISSION_DENIED, 'bob is not');

    const started = Date.now();
    const inFlight = Array.from({ length: IN_FLIGHT }, () => outcome(alice));
    // The calls are past the access checks and held in the shard's run; swap the file atomically.
    await new Promise((r) => setTimeout(r, 300));
    await writeFile(`${policyFile}.next`, policyAdmitting('bob'));
    await rename(`${policyFile}.next`, policyFile);

    let reloadedAfterMs = -1;
    for (let i = 0; i < 100; i++) {
      if ((await outcome(bob)) === Status.OK) {
        reloadedAfterMs = Date.now() - started;
        break;
      }
    }
    assert.ok(reloadedAfterMs >= 0, 'bob was never admitted: the new policy did not take effect');
    assert.deepEqual(
      (await Promise.all(inFlight)).map((code) => Status[code]),
      Array<string>(IN_FLIGHT).fill('OK'),
      'every call admitted under the old policy finishes with its answer',
    );
    assert.equal(await outcome(alice), Status.PERMISSION_DENIED, 'a new call by alice is refused');
  });
});
