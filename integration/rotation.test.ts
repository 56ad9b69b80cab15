import { status as Status } from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tls from 'node:tls';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { loadTlsFiles, type TlsMaterial } from '../certs/credentials.js';
import type { Role } from '../certs/identity.js';
import { issueCertificate } from '../certs/issue.js';
import { writeKeyPair } from '../certs/key-pair-file.js';
import { authorityPaths, loadCertificateAuthority, storeTlsFiles } from '../certs/store.js';
import { InferenceClient } from '../cli/inference-client.js';
import { CLI_ENTRY } from '../cli/paths.js';
import { randomTensor } from '../partition/models/synthetic.js';
import { relativeMaxError, runModel } from '../partition/verify/verify.js';
import { ChildLogs, type LogLine } from './harness/child-logs.js';
import { rawInferRequest } from './harness/compare.js';
import { LoadGenerator, type LoadCase } from './harness/load-generator.js';
import { makeCertificates, prepareTestModels, startMesh, type Mesh } from './harness/mesh.js';
import { probeShard } from './harness/shard-probe.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const SHARDS = ['shard-0', 'shard-1'] as const;
/** Each partition run takes this long, so calls are surely in flight when certificates change. */
const RUN_DELAY_MS = 40;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const serialOf = async (file: string): Promise<string> =>
  new X509Certificate(await readFile(file)).serialNumber;

/** The certificate a fresh TLS connection to `port` is shown, as its serial number. */
async function presentedSerial(
  port: number,
  material: TlsMaterial,
  maxVersion: 'TLSv1.2' | 'TLSv1.3' = 'TLSv1.3',
): Promise<string> {
  const socket = tls.connect({
    maxVersion,
    host: '127.0.0.1',
    port,
    servername: 'localhost',
    ca: material.caPem,
    cert: material.certPem,
    key: material.keyPem,
    ALPNProtocols: ['h2'],
  });
  try {
    await once(socket, 'secureConnect');
    return socket.getPeerCertificate().serialNumber;
  } finally {
    socket.destroy();
  }
}

/** Leaves renewed on disk while a router and two shards serve a steady stream of checked inferences. */
describe('certificate rotation under steady load (real router, shards and client)', () => {
  let certs: Awaited<ReturnType<typeof makeCertificates>>;
  let mesh: Mesh;
  const cases: LoadCase[] = [];
  const logs = new Map<string, ChildLogs>();

  before(async () => {
    const models = await prepareTestModels();
    certs = await makeCertificates([
      ['router', 'router'],
      ['client', 'client'],
      ...SHARDS.map((name) => ['shard', name] as const),
    ]);
    mesh = await startMesh({
      certsDir: certs.dir,
      logs: 'pipe',
      logLevel: 'info',
      shards: SHARDS.map((name, p) => ({
        name,
        serve: [`mlp/1/*/${p}`],
        env: { SHARDMESH_TEST_RUN_DELAY_MS: String(RUN_DELAY_MS) },
      })),
    });
    logs.set('router', ChildLogs.tap(mesh.router));
    for (const name of SHARDS) logs.set(name, ChildLogs.tap(mesh.shards.get(name)!));
    await mesh.waitForModel('mlp');
    for (let i = 0; i < 4; i++) {
      const x = randomTensor('x', [1 + i, 8], 70 + i);
      const [expected] = await runModel(models.models.mlp.original, [x]);
      cases.push({
        request: rawInferRequest('mlp', [x]),
        isRight: (r) =>
          r.raw_output_contents[0]?.length === expected!.data.length &&
          relativeMaxError({ ...expected!, data: r.raw_output_contents[0] }, expected!) <= 1e-5,
      });
    }
  });

  after(async () => {
    await mesh?.stop();
    await certs?.cleanup();
  });

  const material = (name: string): Promise<TlsMaterial> => loadTlsFiles(storeTlsFiles(certs.dir, name));
  const port = (name: string): number => (name === 'router' ? mesh.router.port : mesh.shards.get(name)!.port);
  /** What a fresh connection to each process is shown: the router as the client sees it, shards as a router does. */
  const presented = async (): Promise<Record<string, string>> => {
    const seen: Record<string, string> = {};
    seen['router'] = await presentedSerial(port('router'), await material('client'));
    for (const name of SHARDS) seen[name] = await presentedSerial(port(name), await material('router'));
    return seen;
  };
  const reloadOf = (serial: string) => (l: LogLine) =>
    l.msg === 'certificate reloaded' && l['serialNumber'] === serial;

  test('`certs renew` under load: 0 failed, calls across the swap finish, new connections present the new certificates', async () => {
    const files = ['router', ...SHARDS].map((name) => storeTlsFiles(certs.dir, name).certFile);
    const before = await presented();
    assert.deepEqual(Object.values(before), await Promise.all(files.map(serialOf)));

    const mark = logs.get('router')!.lines.length;
    const load = new LoadGenerator({
      client: mesh.client,
      cases,
      seed: 7,
      concurrency: 4,
      deadlineMs: 10_000,
    });
    // Stopped however the test ends: a generator left running keeps this process alive.
    let renewed: Record<string, string> = {};
    const reloads: Record<string, LogLine> = {};
    let counts: Awaited<ReturnType<LoadGenerator['stop']>>;
    try {
      await sleep(2_000);
      const { stdout } = await promisify(execFile)(process.execPath, [
        CLI_ENTRY,
        ...['certs', 'renew', '--dir', certs.dir, '--within', '8d'],
      ]);
      assert.equal(stdout.split('\n').filter((l) => l.startsWith('renewed ')).length, 4, stdout);
      renewed = Object.fromEntries(
        await Promise.all(['router', ...SHARDS].map(async (n, i) => [n, await serialOf(files[i]!)] as const)),
      );

      // Each process logs the reload of its own new certificate ...
      for (const [name, serial] of Object.entries(renewed))
        reloads[name] = await logs
          .get(name)!
          .waitFor(`${name} reloading ${serial}`, reloadOf(serial), 15_000);
      // ... and the router's next connections to the shards present its new certificate.
      for (const name of SHARDS)
        await logs
          .get(name)!
          .waitFor(
            `a router stream with the renewed router certificate on ${name}`,
            (l) => l.msg === 'router stream opened' && l['serialNumber'] === renewed['router'],
            15_000,
          );
      await sleep(2_000);
    } finally {
      counts = await load.stop();
    }

    const after = await presented();
    console.log(JSON.stringify({ ...counts, before, after, renewed }));
    assert.deepEqual(after, renewed, 'fresh connections see the renewed certificates');
    // The new contexts keep TLS 1.3 only, on the router and on the shards.
    for (const [name, peer] of [
      ['router', 'client'],
      ['shard-0', 'router'],
    ] as const)
      await assert.rejects(
        presentedSerial(port(name), await material(peer), 'TLSv1.2'),
        /protocol version/,
        name,
      );
    assert.deepEqual(counts.failed, {});
    assert.equal(counts.refused, 0);
    assert.equal(counts.wrong, 0);
    // Nor were failures hidden by the router's retries: no attempt failed at all.
    const attemptFailures = logs
      .get('router')!
      .lines.slice(mark)
      .filter((l) => /attempt failed/.test(l.msg));
    assert.deepEqual(attemptFailures, []);
    const swapMs = Number(reloads['router']!['time']);
    const across = load.outcomes.filter(
      (o) => o.startedAtMs < swapMs && o.startedAtMs + o.latencyMs > swapMs,
    );
    assert.ok(across.length > 0, 'calls were in flight when the router swapped its certificate');
    assert.ok(across.every((o) => o.result === 'OK'));
    assert.ok(counts.ok > 20, `only ${counts.ok} answers`);
  });

  test('a new pair that fails its checks is refused and logged; the router keeps serving with the one in use', async () => {
    const files = storeTlsFiles(certs.dir, 'router');
    const inUse = await serialOf(files.certFile);
    const ca = await loadCertificateAuthority(certs.dir);
    const expired = await issueCertificate(ca, {
      role: 'router',
      name: 'router',
      validFrom: new Date(Date.now() - 3 * DAY_MS),
      validityDays: 1,
    });
    const mark = logs.get('router')!.lines.length;
    await writeKeyPair(files, expired.keyPem, expired.certPem);
    const refused = await logs
      .get('router')!
      .waitFor(
        'the refusal',
        (l) => l.msg === 'new certificate files refused; keeping the certificate in use',
        15_000,
        mark,
      );
    assert.match(String(refused['err']), /the certificate expired at/);
    assert.equal(await presentedSerial(port('router'), await material('client')), inUse);
    assert.equal((await mesh.client.call<{ live: boolean }>('ServerLive', {})).live, true);
  });

  /** A pair for `role`/`name` outside its validity window, in a store of its own that trusts the mesh CA. */
  const outOfWindow = async (role: Role, name: string, window: 'expired' | 'early'): Promise<string> => {
    const dir = await mkdtemp(path.join(tmpdir(), 'shardmesh-window-'));
    await copyFile(authorityPaths(certs.dir).certFile, authorityPaths(dir).certFile);
    const issued = await issueCertificate(await loadCertificateAuthority(certs.dir), {
      role,
      name,
      ...(window === 'expired'
        ? { validFrom: new Date(Date.now() - 3 * DAY_MS), validityDays: 1 }
        : { validFrom: new Date(Date.now() + DAY_MS) }),
    });
    await writeKeyPair(storeTlsFiles(dir, name), issued.keyPem, issued.certPem);
    return dir;
  };

  for (const window of ['expired', 'early'] as const) {
    test(`${window === 'early' ? 'a not yet valid' : 'an expired'} leaf is refused by the router (as a client) and by a shard (as a router)`, async () => {
      const clientDir = await outOfWindow('client', 'client', window);
      const routerDir = await outOfWindow('router', 'router', window);
      try {
        const client = await InferenceClient.connect(mesh.address, storeTlsFiles(clientDir, 'client'));
        await assert.rejects(client.call('ServerLive', {}, 5_000), { code: Status.UNAVAILABLE });
        client.close();
        const probe = await probeShard(
          port('shard-0'),
          await loadTlsFiles(storeTlsFiles(routerDir, 'router')),
        );
        assert.equal(probe.code, Status.UNAVAILABLE, probe.details);
        // And a router does not start on it.
        await assert.rejects(
          promisify(execFile)(
            process.execPath,
            [CLI_ENTRY, 'router', '--certs', routerDir, '--port', '0', '--metrics-port', '0'],
            {
              timeout: 30_000,
            },
          ),
          (error: { code: number; stderr: string }) => {
            assert.notEqual(error.code, 0);
            assert.match(error.stderr, window === 'expired' ? /expired at/ : /not valid until/);
            return true;
          },
        );
      } finally {
        await Promise.all([clientDir, routerDir].map((d) => rm(d, { recursive: true, force: true })));
      }
    });
  }
});
