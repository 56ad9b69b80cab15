import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { runCertsInit, runCertsIssue } from './cli.js';

let dir: string;

before(async () => {
  dir = join(await mkdtemp(join(tmpdir(), 'shardmesh-certs-cli-')), 'certs');
});

after(async () => {
  await rm(join(dir, '..'), { recursive: true, force: true });
});

void test('certs init then certs issue print what they wrote', async () => {
  const lines: string[] = [];
  const ca = await runCertsInit({ dir, trustDomain: 'cli.local' }, (line) => lines.push(line));
  assert.deepEqual(lines, [
    'created certificate authority',
    `  certificate   ${join(dir, 'ca.pem')}`,
    `  private key   ${join(dir, 'ca-key.pem')} (mode 0600)`,
    '  trust domain  spiffe://cli.local',
    `  expires       ${ca.notAfter.toISOString()}`,
  ]);

  lines.length = 0;
  await runCertsInit({ dir }, (line) => lines.push(line));
  assert.equal(lines[0], 'kept existing certificate authority (pass --force to replace it)');

  lines.length = 0;
  const issued = await runCertsIssue(
    {
      dir,
      role: 'shard',
      name: 'shard-1',
      dnsNames: ['localhost'],
      ipAddresses: ['127.0.0.1'],
      validityDays: 2,
    },
    (line) => lines.push(line),
  );
  assert.deepEqual(lines, [
    'issued spiffe://cli.local/shard/shard-1',
    `  certificate   ${join(dir, 'shard-1.pem')}`,
    `  private key   ${join(dir, 'shard-1-key.pem')} (mode 0600)`,
    `  trusts CA     ${join(dir, 'ca.pem')}`,
    `  expires       ${issued.notAfter.toISOString()}`,
  ]);
});

void test('certs issue rejects an unknown role by name', async () => {
  await assert.rejects(
    runCertsIssue({ dir, role: 'admin', name: 'x' }, () => {}),
    {
      name: 'TypeError',
      message: 'role must be one of router, shard, client; got "admin"',
    },
  );
});
