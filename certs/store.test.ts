import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { chmod, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { channelCredentials, loadTlsFiles } from './credentials.js';
import { identityFromCertificate } from './identity.js';
import {
  authorityPaths,
  initCertificateAuthority,
  issueToStore,
  loadCertificateAuthority,
  storeTlsFiles,
} from './store.js';

const modesApply = process.platform !== 'win32';
let root: string;
let dirs = 0;
const freshDir = (): string => join(root, `store-${dirs++}`);

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'shardmesh-certs-'));
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

async function mode(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}

void test('init creates the CA once and keeps it after that', async () => {
  const dir = freshDir();
  const first = await initCertificateAuthority(dir);
  assert.equal(first.created, true);
  assert.equal(first.trustDomain, 'shardmesh.local');
  assert.deepEqual(await readdir(dir).then((names) => names.sort()), ['ca-key.pem', 'ca.pem']);
  assert.equal(await readFile(authorityPaths(dir).certFile, 'utf8'), first.certPem);
  if (modesApply) {
    assert.equal(await mode(first.keyFile), 0o600);
    assert.equal(await mode(first.certFile), 0o644);
  }
  assert.equal(
    first.notAfter.toISOString(),
    new Date(new X509Certificate(first.certPem).validTo).toISOString(),
  );

  const second = await initCertificateAuthority(dir, { trustDomain: 'shardmesh.local' });
  assert.equal(second.created, false);
  assert.equal(second.certPem, first.certPem);
  assert.equal(second.keyPem, first.keyPem);
});

void test('init refuses to switch trust domains unless forced', async () => {
  const dir = freshDir();
  const first = await initCertificateAuthority(dir, { trustDomain: 'one.local' });
  await assert.rejects(
    initCertificateAuthority(dir, { trustDomain: 'two.local' }),
    /is for trust domain one\.local, not two\.local; pass force to replace it/,
  );
  const forced = await initCertificateAuthority(dir, { trustDomain: 'two.local', force: true });
  assert.equal(forced.created, true);
  assert.notEqual(forced.certPem, first.certPem);
  assert.equal((await loadCertificateAuthority(dir)).trustDomain, 'two.local');
});

void test('loading a missing or half-present CA fails clearly', async () => {
  const dir = freshDir();
  await assert.rejects(
    loadCertificateAuthority(dir),
    /no certificate authority in .*store-\d+ \(run `shardmesh certs init`\)/,
  );
  const ca = await initCertificateAuthority(dir);
  await rm(ca.keyFile);
  await assert.rejects(
    initCertificateAuthority(dir),
    /incomplete certificate authority .*ca-key\.pem is missing/,
  );
});

void test('issue writes <name>.pem and <name>-key.pem, the key 0600, signed by the stored CA', async () => {
  const dir = freshDir();
  const ca = await initCertificateAuthority(dir, { trustDomain: 'store.local' });
  const stored = await issueToStore(dir, { role: 'shard', name: 'shard-a' });
  assert.deepEqual(stored.identity, { trustDomain: 'store.local', role: 'shard', name: 'shard-a' });
  assert.deepEqual(
    { caFile: stored.caFile, certFile: stored.certFile, keyFile: stored.keyFile },
    storeTlsFiles(dir, 'shard-a'),
  );
  assert.equal(stored.certFile, join(dir, 'shard-a.pem'));
  assert.equal(stored.keyFile, join(dir, 'shard-a-key.pem'));
  if (modesApply) {
    assert.equal(await mode(stored.keyFile), 0o600);
    assert.equal(await mode(stored.certFile), 0o644);
  }
  const certPem = await readFile(stored.certFile);
  assert.deepEqual(identityFromCertificate(certPem), stored.identity);
  assert.equal(new X509Certificate(certPem).verify(new X509Certificate(ca.certPem).publicKey), true);
  assert.deepEqual(await readdir(dir).then((names) => names.sort()), [
    'ca-key.pem',
    'ca.pem',
    'shard-a-key.pem',
    'shard-a.pem',
  ]);

  const material = await loadTlsFiles(stored);
  assert.equal(material.certPem?.toString(), certPem.toString());
  assert.ok(channelCredentials(material)._isSecure());
});

void test('re-issuing rotates the pair and tightens a loose key file', async () => {
  const dir = freshDir();
  await initCertificateAuthority(dir);
  const first = await issueToStore(dir, { role: 'router', name: 'r' });
  const firstKey = await readFile(first.keyFile, 'utf8');
  if (modesApply) await chmod(first.keyFile, 0o644);
  const second = await issueToStore(dir, { role: 'router', name: 'r', validityDays: 2 });
  assert.notEqual(await readFile(second.keyFile, 'utf8'), firstKey);
  if (modesApply) assert.equal(await mode(second.keyFile), 0o600);
  assert.ok(second.notAfter < first.notAfter);
});

void test("issue will not overwrite another identity or the store's own files", async () => {
  const dir = freshDir();
  await initCertificateAuthority(dir);
  await issueToStore(dir, { role: 'shard', name: 'a' });
  await assert.rejects(
    issueToStore(dir, { role: 'router', name: 'a' }),
    /a\.pem holds spiffe:\/\/shardmesh\.local\/shard\/a, not spiffe:\/\/shardmesh\.local\/router\/a; pass force/,
  );
  const forced = await issueToStore(dir, { role: 'router', name: 'a', force: true });
  assert.equal(identityFromCertificate(await readFile(forced.certFile)).role, 'router');

  await writeFile(join(dir, 'junk.pem'), 'not a certificate');
  await assert.rejects(
    issueToStore(dir, { role: 'shard', name: 'junk' }),
    /junk\.pem exists and is not a readable/,
  );
  await assert.rejects(issueToStore(dir, { role: 'shard', name: 'ca' }), /name "ca" collides/);
  await assert.rejects(issueToStore(dir, { role: 'shard', name: 'a-key' }), /name "a-key" collides/);
  await assert.rejects(issueToStore(dir, { role: 'shard', name: '../a' }), /name must match/);
});

void test('issue without a CA points at certs init', async () => {
  await assert.rejects(issueToStore(freshDir(), { role: 'shard', name: 's' }), /run `shardmesh certs init`/);
});
