import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { runCertsRenew } from './cli.js';
import { loadTlsFiles } from './credentials.js';
import { checkLeaf } from './leaf-check.js';
import { renewStore } from './renew.js';
import { initCertificateAuthority, issueToStore, storeTlsFiles } from './store.js';

const DAY_MS = 24 * 60 * 60 * 1000;
let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'shardmesh-renew-'));
});
after(() => rm(root, { recursive: true, force: true }));

let stores = 0;
/**
 * A store holding: `fresh`, a 7-day leaf issued now; `aging`, a 7-day leaf issued 6 days ago
 * (1 day left); `expired`, one that ended a day ago; `wide`, a 30-day leaf with extra names.
 */
async function store(): Promise<string> {
  const dir = join(root, `store-${stores++}`);
  await initCertificateAuthority(dir);
  await issueToStore(dir, { role: 'router', name: 'fresh' });
  await issueToStore(dir, { role: 'shard', name: 'aging', validFrom: new Date(Date.now() - 6 * DAY_MS) });
  await issueToStore(dir, {
    role: 'client',
    name: 'expired',
    validFrom: new Date(Date.now() - 8 * DAY_MS),
    validityDays: 7,
  });
  await issueToStore(dir, {
    role: 'shard',
    name: 'wide',
    validityDays: 30,
    dnsNames: ['shard.mesh.internal'],
    ipAddresses: ['10.0.0.7'],
  });
  // Not leaves: a stray file, and the dev token key's pair-like name.
  await writeFile(join(dir, 'notes.pem'), 'not a certificate');
  await writeFile(join(dir, 'notes-key.pem'), 'not a key');
  return dir;
}

const serial = async (dir: string, name: string): Promise<string> =>
  new X509Certificate(await readFile(storeTlsFiles(dir, name).certFile)).serialNumber;

void test('by default, leaves in the last third of their lifetime (or past it) are reissued; the others are left alone', async () => {
  const dir = await store();
  const before = new Map<string, string>();
  for (const name of ['fresh', 'aging', 'expired', 'wide']) before.set(name, await serial(dir, name));
  const results = await renewStore(dir);
  assert.deepEqual(
    results.map((r) => `${r.identity.name}:${r.action}`),
    ['aging:renewed', 'expired:renewed', 'fresh:kept', 'wide:kept'],
  );
  for (const r of results) {
    const changed = (await serial(dir, r.identity.name)) !== before.get(r.identity.name);
    assert.equal(changed, r.action === 'renewed', r.identity.name);
    // Whatever was done, the pair on disk is usable now: matched, in its window, from the store's CA.
    const leaf = checkLeaf((await loadTlsFiles(storeTlsFiles(dir, r.identity.name))) as never, r.identity);
    assert.equal(leaf.notAfter.getTime(), r.newNotAfter.getTime());
  }
  const aging = results.find((r) => r.identity.name === 'aging')!;
  // A renewed leaf keeps its lifetime: 7 days from now.
  assert.ok(Math.abs(aging.newNotAfter.getTime() - Date.now() - 7 * DAY_MS) < 60_000);
  assert.equal(Math.round((aging.withinMs / DAY_MS) * 3), 7, 'a third of 7 days');
});

void test('--within renews everything inside the window, keeps names, and --days sets the new lifetime', async () => {
  const dir = await store();
  const results = await renewStore(dir, { withinMs: 40 * DAY_MS, validityDays: 2 });
  assert.ok(results.every((r) => r.action === 'renewed'));
  const wide = new X509Certificate(await readFile(storeTlsFiles(dir, 'wide').certFile));
  assert.equal(
    wide.subjectAltName,
    'URI:spiffe://shardmesh.local/shard/wide, DNS:shard.mesh.internal, IP Address:10.0.0.7',
  );
  assert.ok(Math.abs(Date.parse(wide.validTo) - Date.now() - 2 * DAY_MS) < 60_000);

  const none = await renewStore(dir, { withinMs: 0 });
  assert.ok(
    none.every((r) => r.action === 'kept'),
    'nothing expires now',
  );
});

void test('certs renew prints one line per leaf, and warns when the CA itself runs out', async () => {
  const dir = await store();
  const lines: string[] = [];
  await runCertsRenew({ dir, withinMs: 2 * DAY_MS }, (line) => lines.push(line));
  assert.equal(lines.length, 4);
  assert.match(
    lines[0]!,
    /^renewed spiffe:\/\/shardmesh\.local\/shard\/aging {2}\S+aging\.pem {2}expires \S+ \(was \S+\)$/,
  );
  assert.match(lines[1]!, /^renewed spiffe:\/\/shardmesh\.local\/client\/expired /);
  assert.match(
    lines[2]!,
    /^kept {4}spiffe:\/\/shardmesh\.local\/router\/fresh {2}\S+ {2}expires \S+ \(7\.0 days left; renews within 2\.0 days\)$/,
  );
  assert.match(lines[3]!, /^kept {4}spiffe:\/\/shardmesh\.local\/shard\/wide /);

  const shortCa = join(root, 'short-ca');
  await initCertificateAuthority(shortCa, { validityDays: 1 });
  await issueToStore(shortCa, { role: 'router', name: 'r' });
  lines.length = 0;
  await runCertsRenew({ dir: shortCa, withinMs: 2 * DAY_MS }, (line) => lines.push(line));
  assert.match(
    lines[0]!,
    /^renewed spiffe:\/\/shardmesh\.local\/router\/r /,
    'a leaf capped at the CA expiry',
  );
  assert.match(lines.at(-1)!, /^warning: the CA expires \S+; leaves cannot outlive it/);
});

void test('renew without a CA points at certs init', async () => {
  await assert.rejects(renewStore(join(root, 'empty')), /run `shardmesh certs init`/);
});
