import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { upShards } from './commands/up.js';
import { parseKeyFileOption } from './key-file-option.js';
import { runCli, type CliRun } from './run-cli.js';

/**
 * `shardmesh seal`, `split --seal`, `shard --key-file` and `up --key-file` as a user meets them:
 * the built command as a child process, its exit code and messages. Option errors exit 2 naming
 * the option, before anything starts.
 */

let cwd: string;
const shardmesh = (...args: string[]): Promise<CliRun> => runCli(cwd, ...args);

before(async () => {
  cwd = await mkdtemp(path.join(tmpdir(), 'shardmesh-seal-cli-'));
  assert.equal((await shardmesh('seal', '--generate-key-file', 'kek')).code, 0);
  assert.equal((await shardmesh('seal', '--generate-key-file', 'loose')).code, 0);
  await chmod(path.join(cwd, 'loose'), 0o644);
});
after(() => rm(cwd, { recursive: true, force: true }));

void describe('shardmesh seal --generate-key-file', () => {
  it('writes a 0600 key and names its key id; never overwrites one', async () => {
    const made = await shardmesh('seal', '--generate-key-file', 'new-kek');
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stdout, /wrote key-encryption key .*new-kek \(key id [0-9a-f]{16}\)/);
    assert.equal((await stat(path.join(cwd, 'new-kek'))).mode & 0o777, 0o600);
    const again = await shardmesh('seal', '--generate-key-file', 'new-kek');
    assert.equal(again.code, 1);
    assert.match(again.stderr, /new-kek exists; a key file is never overwritten/);
  });
});

void describe('sealing options are refused with exit code 2, naming the option', () => {
  const cases: [args: string[], stderr: RegExp][] = [
    [['seal', 'models/m/1'], /required option '--key-file <file>' not specified/],
    [['seal', '--key-file', 'kek'], /missing argument 'dir'/],
    [
      ['seal', 'models/m/1', '--key-file', 'loose'],
      /option '--key-file <file>' argument 'loose' is invalid\. key file .*loose has mode 0644: group and others must have no access; run chmod 600/,
    ],
    [
      ['seal', 'models/m/1', '--key-file', 'absent'],
      /option '--key-file <file>' argument 'absent' is invalid\. cannot read key file .*absent: ENOENT/,
    ],
    [['seal', 'models/m/1', '--generate-key-file', 'k2'], /option '--generate-key-file' is used alone/],
    [
      ['split', 'm.onnx', '--out', 'models/m/1', '--partitions', '2', '--seal'],
      /option '--seal' needs --key-file <file>/,
    ],
    [
      ['split', 'm.onnx', '--out', 'models/m/1', '--partitions', '2', '--key-file', 'kek'],
      /option '--key-file' applies with --seal only/,
    ],
    [
      ['shard', '--serve', 'm/1/*/0', '--key-file', 'loose'],
      /option '--key-file <file>' argument 'loose' is invalid\. key file .*has mode 0644/,
    ],
    [['up', '--key-file', 'loose'], /option '--key-file <file>' argument 'loose' is invalid/],
  ];
  for (const [args, stderr] of cases) {
    it(args.join(' '), async () => {
      const run = await shardmesh(...args);
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, stderr);
    });
  }

  it('a version folder without a plan exits 1, saying so', async () => {
    const run = await shardmesh('seal', 'nowhere/m/1', '--key-file', 'kek');
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /nowhere\/m\/1 holds no model version \(no plan\.json\)/);
  });
});

void describe('shardmesh up --key-file', () => {
  it('hands the key file to every shard it starts', () => {
    const kek = parseKeyFileOption(path.join(cwd, 'kek'));
    assert.deepEqual(
      upShards(2, kek).map((s) => s.args),
      [
        ['--key-file', path.join(cwd, 'kek')],
        ['--key-file', path.join(cwd, 'kek')],
      ],
    );
    assert.deepEqual(
      upShards(2).map((s) => s.args),
      [[], []],
    );
  });
});
