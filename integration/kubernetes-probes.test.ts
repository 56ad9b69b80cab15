// What the Helm chart (deploy/helm/shardmesh) relies on from the processes, on a real router and
// shard (mTLS, ONNX Runtime): `shard --advertise-address` is the address written to the registry
// and the one the router dials (the chart advertises a pod DNS name while listening on 0.0.0.0),
// and `dist/cli/health-probe-main.js`, the chart's exec probe, answers with the server's
// grpc.health.v1 status over mutual TLS.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { PACKAGE_ROOT } from '../cli/paths.js';
import { readRecords } from '../registry/heartbeat-file.js';
import { rawInferRequest } from './harness/compare.js';
import { randomTensor } from '../partition/models/synthetic.js';
import { makeCertificates, prepareTestModels, startMesh, type Mesh } from './harness/mesh.js';

const PROBE = path.join(PACKAGE_ROOT, 'dist', 'cli', 'health-probe-main.js');

interface ProbeRun {
  readonly code: number;
  readonly stdout: string;
}

async function probe(...args: string[]): Promise<ProbeRun> {
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [PROBE, ...args], { timeout: 30_000 });
    return { code: 0, stdout };
  } catch (error) {
    const e = error as { code?: unknown; stdout?: string };
    if (typeof e.code !== 'number') throw error;
    return { code: e.code, stdout: e.stdout ?? '' };
  }
}

describe('what the Kubernetes chart relies on', () => {
  let certs: Awaited<ReturnType<typeof makeCertificates>>;
  let mesh: Mesh;

  before(async () => {
    await prepareTestModels();
    certs = await makeCertificates([
      ['router', 'router'],
      ['client', 'client'],
      ['shard', 'shard'],
    ]);
    // The certificates carry the DNS name `localhost` and no IP address: the router can dial the
    // shard only by the advertised name, as it dials `pod.service.namespace.svc` in a cluster.
    mesh = await startMesh({
      certsDir: certs.dir,
      shards: [
        {
          name: 'shard',
          serve: ['mlp/*/*/*'],
          args: ['--host', '0.0.0.0', '--advertise-address', 'localhost'],
        },
      ],
      models: ['mlp'],
    });
  });

  after(async () => {
    await mesh?.stop();
    await certs?.cleanup();
  });

  test('the shard registers its --advertise-address, and the router serves through it', async () => {
    const dir = mesh.registryUrl.slice('embedded:'.length);
    const { records } = await readRecords(dir);
    assert.ok(records.length > 0, 'the shard registered');
    assert.deepEqual([...new Set(records.map((r) => r.instance.address))], ['localhost']);
    // ModelReady reads the registry only; an inference proves the router dialled the shard.
    const reply = await mesh.client.call<{ outputs: { name: string }[]; raw_output_contents: Buffer[] }>(
      'ModelInfer',
      rawInferRequest('mlp', [randomTensor('x', [1, 8], 7)]),
    );
    assert.equal(reply.outputs.length, 1);
    assert.ok(reply.raw_output_contents[0]!.length > 0);
  });

  test('the exec probe reports SERVING for the shard and the router, with their own certificates', async () => {
    const shard = await probe(
      '--certs',
      certs.dir,
      '--name',
      'shard',
      '--port',
      String(mesh.shards.get('shard')!.port),
    );
    assert.deepEqual(shard, { code: 0, stdout: 'SERVING\n' });
    const router = await probe('--certs', certs.dir, '--name', 'router', '--port', String(mesh.router.port));
    assert.deepEqual(router, { code: 0, stdout: 'SERVING\n' });
  });

  test('the exec probe fails when nothing answers, and on a usage error', async () => {
    const closed = await probe('--certs', certs.dir, '--name', 'shard', '--port', '1', '--timeout-ms', '500');
    assert.equal(closed.code, 1, closed.stdout);
    assert.notEqual(closed.stdout, 'SERVING\n');
    const usage = await probe('--certs', certs.dir, '--name', 'shard', '--port', 'eighty');
    assert.equal(usage.code, 2);
  });

  test('the exec probe fails once the shard drains', async () => {
    const shard = mesh.shards.get('shard')!;
    const port = String(shard.port);
    // SIGTERM: health turns NOT_SERVING, then, with no call in flight, the port closes at once.
    shard.process.kill('SIGTERM');
    let last: ProbeRun | undefined;
    for (let i = 0; i < 20; i += 1) {
      last = await probe('--certs', certs.dir, '--name', 'shard', '--port', port, '--timeout-ms', '500');
      if (last.code !== 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(last?.code, 1, last?.stdout);
  });
});
