import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli, type CliRun } from './run-cli.js';

/** `shardmesh policy check` as an operator runs it: the built command, its exit code and output. */

let dir: string;
let policyFile: string;

const shardmesh = (...args: string[]): Promise<CliRun> => runCli(dir, ...args);

const check = (...args: string[]): Promise<CliRun> =>
  shardmesh('policy', 'check', '--policy', policyFile, ...args);

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'shardmesh-policy-cli-'));
  policyFile = path.join(dir, 'policy.yaml');
  await writeFile(
    policyFile,
    [
      'version: 1',
      'rules:',
      '  - name: ml clients',
      '    principals: [{ spiffe: "spiffe://shardmesh.local/client/ml-*" }]',
      '    verbs: [infer, metadata]',
      '    models: ["ocr:3"]',
      '  - name: ml-team',
      '    principals: [{ claim: groups, includes: ml-team }]',
      '    verbs: ["*"]',
      '    models: ["*"]',
      'quotas:',
      '  - principals: [{ spiffe: "spiffe://shardmesh.local/client/*" }]',
      '    quota: { requestsPerSecond: 10 }',
    ].join('\n'),
  );
});
after(() => rm(dir, { recursive: true, force: true }));

void describe('shardmesh policy check', () => {
  it('allows, exit 0, naming the rule and the quota', async () => {
    const run = await check(
      '--principal',
      'spiffe://shardmesh.local/client/ml-a',
      '--verb',
      'infer',
      '--model',
      'ocr:3',
    );
    assert.equal(run.code, 0, run.stderr);
    assert.equal(
      run.stdout,
      'allow: infer on model ocr version 3 for certificate spiffe://shardmesh.local/client/ml-a, by rules[0] "ml clients"\n' +
        'quota: quotas[0] {"requestsPerSecond":10}\n',
    );
  });

  it('denies, exit 1, by default', async () => {
    const run = await check(
      '--principal',
      'spiffe://shardmesh.local/client/ml-a',
      '--verb',
      'admin',
      '--model',
      'ocr:3',
    );
    assert.equal(run.code, 1);
    assert.equal(
      run.stdout,
      'deny: admin on model ocr version 3 for certificate spiffe://shardmesh.local/client/ml-a: no rule allows it (default deny)\n',
    );
  });

  it('matches token claims given with --claim, a repeated key as a list', async () => {
    const args = ['--principal', 'bob', '--verb', 'admin', '--model', 'mlp'];
    assert.equal((await check(...args, '--claim', 'groups=web')).code, 1);
    const run = await check(...args, '--claim', 'groups=web', '--claim', 'groups=ml-team');
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stdout,
      /^allow: admin on model mlp for token bob, by rules\[1\] "ml-team"\nquota: none\n$/,
    );
  });

  const usage: [string, string[], RegExp][] = [
    [
      'unknown verb',
      ['--principal', 'a', '--verb', 'write', '--model', 'm'],
      /option '--verb <verb>' argument 'write' is invalid\. expected one of infer, metadata, statistics, admin/,
    ],
    [
      'missing --model',
      ['--principal', 'a', '--verb', 'infer'],
      /required option '--model <name\[:version\]>' not specified/,
    ],
    [
      'claim without =',
      ['--principal', 'a', '--verb', 'infer', '--model', 'm', '--claim', 'groups'],
      /option '--claim <key=value>' argument 'groups' is invalid\. expected key=value/,
    ],
    [
      'claim on a certificate',
      ['--principal', 'spiffe://d/client/a', '--verb', 'infer', '--model', 'm', '--claim', 'a=b'],
      /--claim describes a token/,
    ],
  ];
  for (const [what, args, stderr] of usage) {
    it(`exits 2 for ${what}`, async () => {
      const run = await check(...args);
      assert.equal(run.code, 2);
      assert.match(run.stderr, stderr);
      assert.equal(run.stdout, '');
    });
  }

  it('exits 2 for an invalid policy file, naming the file and the path in it', async () => {
    const bad = path.join(dir, 'bad.yaml');
    await writeFile(bad, 'version: 1\nrules:\n  - principals: []\n    verbs: [infer]\n    models: [m]\n');
    const run = await shardmesh(
      'policy',
      'check',
      '--policy',
      bad,
      '--principal',
      'a',
      '--verb',
      'infer',
      '--model',
      'm',
    );
    assert.equal(run.code, 2);
    assert.match(run.stderr, new RegExp(`^shardmesh: ${bad}: rules\\[0\\]\\.principals: `));
  });

  it('explains itself in --help', async () => {
    const run = await shardmesh('policy', 'check', '--help');
    assert.equal(run.code, 0);
    for (const text of [
      '--policy <file>',
      '--principal <id>',
      '--verb <verb>',
      '--model <name[:version]>',
      '--claim <key=value>',
      'exit 0: allowed, 1: denied, 2',
    ])
      assert.ok(run.stdout.includes(text), `--help lacks ${text}`);
  });
});
