import { status as Status } from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import forge from 'node-forge';
import { parseCertificateAuthority } from '../certs/authority.js';
import { loadTlsFiles } from '../certs/credentials.js';
import { loadCertificateAuthority, storeTlsFiles } from '../certs/store.js';
import { sign } from '../certs/x509.js';
import { startChildService, type ChildService } from '../cli/child-service.js';
import { openRegistry } from '../registry/open-registry.js';
import type { Registration } from '../registry/registry.js';
import { randomTensor } from '../partition/models/synthetic.js';
import { ChildLogs } from './harness/child-logs.js';
import { rawInferRequest } from './harness/compare.js';
import {
  makeCertificates,
  prepareTestModels,
  startMesh,
  TEST_MODELS_DIR,
  type Mesh,
} from './harness/mesh.js';
import { probeShard } from './harness/shard-probe.js';

/** Who may talk to a shard, and whom the router will send to. */
describe('mutual TLS identities between router and shards', () => {
  let certs: Awaited<ReturnType<typeof makeCertificates>>;
  let otherCa: Awaited<ReturnType<typeof makeCertificates>>;
  let registryDir: string;
  let mesh: Mesh;
  let rogue: ChildService;
  let lie: Registration[] = [];

  before(async () => {
    await prepareTestModels();
    certs = await makeCertificates([
      ['router', 'router'],
      ['client', 'client'],
      ['shard', 'shard-0'],
      ['shard', 'shard-1'],
      ['shard', 'rogue'],
    ]);
    otherCa = await makeCertificates([['router', 'router']]);
    registryDir = await mkdtemp(path.join(tmpdir(), 'shardmesh-registry-'));
    mesh = await startMesh({
      registryUrl: `embedded:${registryDir}`,
      certsDir: certs.dir,
      shards: [
        { name: 'shard-0', serve: ['mlp/1/*/0'] },
        { name: 'shard-1', serve: ['mlp/1/*/1'] },
      ],
      logs: 'pipe',
    });
    for (const child of [mesh.router, ...mesh.shards.values()]) ChildLogs.tap(child);
    await mesh.waitForModel('mlp');
  });

  after(async () => {
    await Promise.all(lie.map((r) => r.deregister()));
    await rogue?.stop(5_000);
    await mesh?.stop();
    await Promise.all([
      certs?.cleanup(),
      otherCa?.cleanup(),
      registryDir && rm(registryDir, { recursive: true, force: true }),
    ]);
  });

  const tlsOf = (dir: string, name: string) => loadTlsFiles(storeTlsFiles(dir, name));

  test('a shard refuses a TLS client without a certificate', async () => {
    const { caPem } = await tlsOf(certs.dir, 'router');
    const result = await probeShard(mesh.shards.get('shard-0')!.port, { caPem });
    assert.equal(result.code, Status.UNAVAILABLE, result.details);
  });

  test('a shard refuses a router certificate from another CA', async () => {
    const { caPem } = await tlsOf(certs.dir, 'router');
    const { certPem, keyPem } = await tlsOf(otherCa.dir, 'router');
    const result = await probeShard(mesh.shards.get('shard-0')!.port, { caPem, certPem, keyPem });
    assert.equal(result.code, Status.UNAVAILABLE, result.details);
  });

  test('a shard refuses a client identity from its own CA, and answers a router', async () => {
    const port = mesh.shards.get('shard-0')!.port;
    const asClient = await probeShard(port, await tlsOf(certs.dir, 'client'));
    assert.equal(asClient.code, Status.PERMISSION_DENIED);
    assert.match(asClient.details, /spiffe:\/\/shardmesh\.local\/client\/client is not a router/);
    const asRouter = await probeShard(port, await tlsOf(certs.dir, 'router'));
    assert.equal(
      asRouter.code,
      Status.NOT_FOUND,
      'a router gets past authentication to the partition lookup',
    );
  });

  test('a shard ends the stream UNAUTHENTICATED for a certificate of its own CA without a SPIFFE id', async () => {
    // The client certificate with its URI SAN taken out, signed again by the mesh CA.
    const { caPem, certPem, keyPem } = await tlsOf(certs.dir, 'client');
    const cert = forge.pki.certificateFromPem(String(certPem));
    const san = cert.getExtension('subjectAltName') as { altNames: { type: number }[] };
    cert.setExtensions(
      cert.extensions.map((e: { name: string }) =>
        e.name === 'subjectAltName'
          ? { name: 'subjectAltName', altNames: san.altNames.filter((n) => n.type !== 6) }
          : e,
      ),
    );
    sign(cert, parseCertificateAuthority(await loadCertificateAuthority(certs.dir)).key);
    const result = await probeShard(mesh.shards.get('shard-0')!.port, {
      caPem,
      certPem: forge.pki.certificateToPem(cert),
      keyPem,
    });
    assert.equal(Status[result.code], 'UNAUTHENTICATED', result.details);
    assert.match(result.details, /a router certificate with a SPIFFE identity is required/);
  });

  test('the router refuses to send to a shard whose certificate does not carry the identity its record claims', async () => {
    // A real shard with a "rogue" certificate, registered elsewhere; records in the mesh's registry
    // then claim its address is shard-0's, for every partition of the `outer` model.
    const elsewhere = await mkdtemp(path.join(tmpdir(), 'shardmesh-elsewhere-'));
    rogue = await startChildService(
      'rogue',
      [
        'shard',
        '--registry',
        `embedded:${elsewhere}`,
        '--models',
        TEST_MODELS_DIR,
        '--certs',
        certs.dir,
        '--name',
        'rogue',
        '--serve',
        'outer/1/*/*',
      ],
      { logs: 'ignore' },
    );
    const registry = openRegistry(`embedded:${registryDir}`);
    const claimed = 'spiffe://shardmesh.local/shard/shard-0';
    lie = await Promise.all(
      [0, 1].map((partition) =>
        registry.register({
          id: `liar-${partition}`,
          address: '127.0.0.1',
          port: rogue.port,
          model: 'outer',
          version: '1',
          stage: 'columns-0',
          partition,
          partitionCount: 2,
          identity: claimed,
        }),
      ),
    );
    await mesh.waitForModel('outer');
    const a = randomTensor('a', [4096, 1], 1);
    await assert.rejects(
      mesh.client.call('ModelInfer', rawInferRequest('outer', [a])),
      (error: { code: number; details: string }) => {
        assert.equal(error.code, Status.UNAVAILABLE);
        // The client learns that the partition failed, not the mesh's identities or addresses.
        assert.doesNotMatch(error.details, /spiffe:|127\.0\.0\.1|liar-/);
        // What it gets instead: the request id the router's log lines carry (made up: none was sent).
        assert.match(error.details, /\(request id "[0-9a-f-]{36}"\)$/);
        return true;
      },
    );
    // The operator's log says why, naming both identities.
    await ChildLogs.tap(mesh.router).waitFor(
      'the router logged the identity mismatch',
      (l) =>
        /identity mismatch: expected spiffe:\/\/shardmesh\.local\/shard\/shard-0, got spiffe:\/\/shardmesh\.local\/shard\/rogue/.test(
          String(l['err']),
        ),
      10_000,
    );
    await rm(elsewhere, { recursive: true, force: true });
  });
});
