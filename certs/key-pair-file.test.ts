import assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadTlsFiles } from './credentials.js';
import { issueCertificate } from './issue.js';
import { writeKeyPair, type KeyPairStep } from './key-pair-file.js';
import { initCertificateAuthority, issueToStore, loadCertificateAuthority, storeTlsFiles } from './store.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shardmesh-pair-'));
  await initCertificateAuthority(dir);
});
after(() => rm(dir, { recursive: true, force: true }));

/** Whether the stored key is the private half of the stored certificate. */
const matches = (material: { certPem?: string | Buffer; keyPem?: string | Buffer }): boolean =>
  new X509Certificate(material.certPem!).checkPrivateKey(createPrivateKey(material.keyPem!));

const KILLED = new Error('killed');

void describe('a key and certificate replaced by a writer killed between its steps', () => {
  for (const [step, expect] of [
    ['staged', 'the old pair'],
    ['key-replaced', 'the new pair'],
  ] as const) {
    test(`stopped after "${step}": the next load finds ${expect}, matched, and no staged file`, async () => {
      const name = `router-${step}`;
      const files = storeTlsFiles(dir, name);
      await issueToStore(dir, { role: 'router', name });
      const oldSerial = new X509Certificate(await readFile(files.certFile)).serialNumber;
      const fresh = await issueCertificate(await loadCertificateAuthority(dir), { role: 'router', name });
      const stopAt = (s: KeyPairStep): Promise<void> =>
        s === step ? Promise.reject(KILLED) : Promise.resolve();
      await assert.rejects(writeKeyPair(files, fresh.keyPem, fresh.certPem, stopAt), KILLED);

      const loaded = await loadTlsFiles(files);
      assert.ok(matches(loaded), 'key and certificate belong together');
      const serial = new X509Certificate(loaded.certPem!).serialNumber;
      const freshSerial = new X509Certificate(fresh.certPem).serialNumber;
      if (step === 'key-replaced') assert.equal(serial, freshSerial, 'the new certificate, finished');
      else assert.equal(serial, oldSerial, 'the old one, kept');
      assert.deepEqual(
        (await readdir(dir)).filter((f) => f.startsWith(name) && f.endsWith('.next')),
        [],
      );
    });
  }
});

void test('a reader that settles the pair while the writer is between its renames does not fail the writer', async () => {
  const name = 'router-racing';
  const files = storeTlsFiles(dir, name);
  await issueToStore(dir, { role: 'router', name });
  const fresh = await issueCertificate(await loadCertificateAuthority(dir), { role: 'router', name });
  // A running router's watcher reloads right after the key's rename, before the writer's last step.
  const readerFirst = async (s: KeyPairStep): Promise<void> => {
    if (s === 'key-replaced') assert.ok(matches(await loadTlsFiles(files)));
  };
  await writeKeyPair(files, fresh.keyPem, fresh.certPem, readerFirst);
  const loaded = await loadTlsFiles(files);
  assert.equal(loaded.certPem?.toString(), fresh.certPem);
  assert.ok(matches(loaded));
});
