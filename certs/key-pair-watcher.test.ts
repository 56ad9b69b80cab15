import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { pino } from 'pino';

import type { Logger } from '../lib/log.js';
import { issueCertificate } from './issue.js';
import { KeyPairWatcher } from './key-pair-watcher.js';
import { replaceFile } from './replace-file.js';
import { writeKeyPair } from './key-pair-file.js';
import { initCertificateAuthority, issueToStore, loadCertificateAuthority, storeTlsFiles } from './store.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** A logger that keeps its lines, and waits for one with a given message. */
function memoryLogger(): {
  log: Logger;
  lines: Record<string, unknown>[];
  next(msg: string): Promise<Record<string, unknown>>;
} {
  const lines: Record<string, unknown>[] = [];
  const waiters: { msg: string; resolve: (line: Record<string, unknown>) => void }[] = [];
  const log = pino(
    { level: 'debug' },
    {
      write(text: string) {
        const line = JSON.parse(text) as Record<string, unknown>;
        lines.push(line);
        for (const w of waiters.filter((w) => w.msg === line['msg'])) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      },
    },
  );
  // The timer also keeps this process alive while it waits: the watcher's own handles are unref'd.
  const next = (msg: string): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "${msg}" line within 20 s`)), 20_000);
      waiters.push({ msg, resolve: (line) => (clearTimeout(timer), resolve(line)) });
    });
  return { log, lines, next };
}

let dir: string;
const watchers: KeyPairWatcher[] = [];
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shardmesh-watch-'));
  await initCertificateAuthority(dir);
});
after(async () => {
  for (const w of watchers) w.close();
  await rm(dir, { recursive: true, force: true });
});

const serialOf = (pem: string | Buffer): string => new X509Certificate(pem).serialNumber;

/** A watcher on `name`'s pair that polls only rarely, so the folder watch is what a test sees. */
async function open(
  name: string,
): Promise<{ watcher: KeyPairWatcher; logs: ReturnType<typeof memoryLogger> }> {
  const logs = memoryLogger();
  const watcher = await KeyPairWatcher.open(storeTlsFiles(dir, name), logs.log, { pollIntervalMs: 60_000 });
  watchers.push(watcher);
  return { watcher, logs };
}

void test('a re-issued pair is loaded without a call to reload, logged once, and handed to listeners once', async () => {
  await issueToStore(dir, { role: 'router', name: 'r1' });
  const { watcher, logs } = await open('r1');
  const heard: string[] = [];
  watcher.onChange((material, leaf) => heard.push(`${serialOf(material.certPem)}=${leaf.serialNumber}`));
  const reloaded = logs.next('certificate reloaded');
  const renewed = await issueToStore(dir, { role: 'router', name: 'r1' });
  const line = await reloaded;
  const newSerial = serialOf(await readFile(renewed.certFile));
  assert.equal(line['serialNumber'], newSerial);
  assert.equal(line['certFile'], renewed.certFile);
  assert.equal(line['notAfter'], renewed.notAfter.toISOString());
  assert.equal(serialOf(watcher.current.certPem), newSerial);
  assert.equal(watcher.leaf.serialNumber, newSerial);
  // Later looks at unchanged files change nothing.
  assert.equal(await watcher.reload(), false);
  assert.deepEqual(heard, [`${newSerial}=${newSerial}`]);
  assert.equal(logs.lines.filter((l) => l['msg'] === 'certificate reloaded').length, 1);
});

void test('polling finds a change without the folder watch', async () => {
  await issueToStore(dir, { role: 'shard', name: 's-poll' });
  const logs = memoryLogger();
  // Watch events wait a minute before reloading; only the 50 ms poll can find the change in time.
  const watcher = await KeyPairWatcher.open(storeTlsFiles(dir, 's-poll'), logs.log, {
    pollIntervalMs: 50,
    debounceMs: 60_000,
  });
  watchers.push(watcher);
  const reloaded = logs.next('certificate reloaded');
  const renewed = await issueToStore(dir, { role: 'shard', name: 's-poll' });
  assert.equal((await reloaded)['serialNumber'], serialOf(await readFile(renewed.certFile)));
});

void test('a pair that does not match, is expired, not yet valid, or names someone else is refused; the old pair stays', async () => {
  await issueToStore(dir, { role: 'router', name: 'r2' });
  const files = storeTlsFiles(dir, 'r2');
  const { watcher, logs } = await open('r2');
  const kept = watcher.leaf.serialNumber;
  const ca = await loadCertificateAuthority(dir);
  const cases: [string, () => Promise<void>, RegExp][] = [
    [
      'a certificate without its key',
      async () => {
        const other = await issueCertificate(ca, { role: 'router', name: 'r2' });
        await replaceFile(files.certFile, other.certPem, 0o644);
      },
      /private key does not belong to the certificate/,
    ],
    [
      'an expired pair',
      async () => {
        const old = await issueCertificate(ca, {
          role: 'router',
          name: 'r2',
          validFrom: new Date(Date.now() - 3 * DAY_MS),
          validityDays: 1,
        });
        await writeKeyPair(files, old.keyPem, old.certPem);
      },
      /the certificate expired at/,
    ],
    [
      'a pair not valid yet',
      async () => {
        const early = await issueCertificate(ca, {
          role: 'router',
          name: 'r2',
          validFrom: new Date(Date.now() + DAY_MS),
        });
        await writeKeyPair(files, early.keyPem, early.certPem);
      },
      /the certificate is not valid until/,
    ],
    [
      'another identity',
      async () => {
        const shard = await issueCertificate(ca, { role: 'shard', name: 'r2' });
        await writeKeyPair(files, shard.keyPem, shard.certPem);
      },
      /names spiffe:\/\/shardmesh\.local\/shard\/r2, not spiffe:\/\/shardmesh\.local\/router\/r2/,
    ],
  ];
  for (const [what, write, why] of cases) {
    const refused = logs.next('new certificate files refused; keeping the certificate in use');
    await write();
    const line = await refused;
    assert.match(String(line['err']), why, what);
    assert.equal(watcher.leaf.serialNumber, kept, what);
    assert.equal(serialOf(watcher.current.certPem), kept, what);
  }
  // A good pair after the bad ones is taken.
  const reloaded = logs.next('certificate reloaded');
  const good = await issueToStore(dir, { role: 'router', name: 'r2', force: true });
  assert.equal((await reloaded)['serialNumber'], serialOf(await readFile(good.certFile)));
});

void test('a pair from another CA is refused at start, naming the file', async () => {
  const other = await mkdtemp(join(tmpdir(), 'shardmesh-watch-other-'));
  try {
    await initCertificateAuthority(other);
    const stranger = await issueToStore(other, { role: 'router', name: 'r3' });
    await copyFile(stranger.certFile, join(dir, 'r3.pem'));
    await copyFile(stranger.keyFile, join(dir, 'r3-key.pem'));
    await assert.rejects(open('r3'), {
      message: `${join(dir, 'r3.pem')}: the certificate was not issued by a CA in the CA bundle`,
    });
  } finally {
    await rm(other, { recursive: true, force: true });
  }
});
