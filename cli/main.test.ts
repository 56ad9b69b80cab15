import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli, type CliRun } from './run-cli.js';

/**
 * The built `shardmesh` command as a user meets it: a child process, its exit code and stderr.
 * Each runs in an empty temporary folder, so a command that got past its options would leave
 * `.shardmesh/` (or files) behind, and the test sees it.
 */

let cwd: string;

const shardmesh = (...args: string[]): Promise<CliRun> => runCli(cwd, ...args);

before(async () => {
  cwd = await mkdtemp(path.join(tmpdir(), 'shardmesh-cli-'));
});
after(() => rm(cwd, { recursive: true, force: true }));

void describe('shardmesh refuses bad options with exit code 2, naming the option', () => {
  const cases: [args: string[], stderr: RegExp][] = [
    [
      ['up', '--port', 'abc'],
      /error: option '--port <port>' argument 'abc' is invalid\. expected an integer from 0 to 65535/,
    ],
    [
      ['up', '--partitions', '0'],
      /option '--partitions <n>' argument '0' is invalid\. expected a positive integer/,
    ],
    [
      ['up', '--registry', 'http://127.0.0.1:8500'],
      /option '--registry <url>' argument 'http:\/\/127\.0\.0\.1:8500'/,
    ],
    [
      ['up', '--registry', 'embedded:.'],
      /option '--registry <url>' argument 'embedded:\.' is invalid\. expected a folder that does not hold the working directory/,
    ],
    [['router', '--port', '65536'], /option '--port <port>' argument '65536' is invalid/],
    [['router', '--deadline-ms', 'soon'], /option '--deadline-ms <ms>' argument 'soon' is invalid/],
    [
      ['router', '--attempt-timeout-quantile', '1.5'],
      /option '--attempt-timeout-quantile <q>' argument '1\.5' is invalid\. expected a number in \(0, 1\]/,
    ],
    [
      ['router', '--attempt-timeout-ceiling-ms', 'soon'],
      /option '--attempt-timeout-ceiling-ms <ms>' argument 'soon' is invalid/,
    ],
    [
      ['router', '--hedge-quantile', '0'],
      /option '--hedge-quantile <q>' argument '0' is invalid\. expected a number in \(0, 1\]/,
    ],
    [
      ['router', '--outlier-consecutive-failures', '-1'],
      /option '--outlier-consecutive-failures <n>' argument '-1' is invalid/,
    ],
    [['shard', '--serve', 'mlp/1'], /option '--serve <selector\.\.\.>' argument 'mlp\/1' is invalid/],
    [
      ['shard', '--serve', 'mlp/1/*/0', '--serve', 'mlp/1/*/x'],
      /option '--serve <selector\.\.\.>' argument 'mlp\/1\/\*\/x' is invalid/,
    ],
    [['shard', '--serve', '*/*/*/*', '--threads', '-1'], /option '--threads <n>' argument '-1' is invalid/],
    [
      ['shard', '--serve', '*/*/*/*', '--chunk-bytes', '4MiB'],
      /option '--chunk-bytes <size>' argument '4MiB'/,
    ],
    [
      ['certs', 'issue', '--role', 'admin', '--name', 'x'],
      /option '--role <role>' argument 'admin' is invalid/,
    ],
    [
      ['certs', 'issue', '--role', 'shard', '--name', 'x', '--days', '1.5'],
      /option '--days <n>' argument '1\.5'/,
    ],
    [['certs', 'issue', '--role', 'shard', '--name', 'x', '--ip', 'localhost'], /option '--ip <addresses>'/],
    [
      ['infer', 'mlp', '--address', '127.0.0.1'],
      /option '--address <host:port>' argument '127\.0\.0\.1' is invalid/,
    ],
    [['infer', 'mlp', '--seed', 'abc'], /option '--seed <n>' argument 'abc' is invalid/],
    [
      ['generate', 'mlp', '--out', 'x.onnx', '--seed', 'abc'],
      /option '--seed <n>' argument 'abc' is invalid/,
    ],
    [['generate', 'cnn', '--out', 'x.onnx'], /value 'cnn' is invalid for argument 'kind'/],
    [['generate', 'mlp', '--out', 'x.onnx', '--size', 'big'], /option '--size <bytes>' argument 'big'/],
    [['split', 'm.onnx', '--out', 'o', '--partitions', '0'], /option '--partitions <n>' argument '0'/],
    [['split', 'm.onnx', '--out', 'o', '--tolerance', '-1'], /option '--tolerance <x>' argument '-1'/],
    [
      ['split', 'm.onnx', '--out', 'o', '--strategy', 'zigzag'],
      /option '--strategy <name>' argument 'zigzag'/,
    ],
    [
      ['split', 'm.onnx', '--out', 'o', '--max-partition-bytes', 'lots'],
      /option '--max-partition-bytes <n>' argument 'lots'/,
    ],
    [
      ['shard', '--serve', '*/*/*/*', '--drain-timeout', 'forever'],
      /option '--drain-timeout <duration>' argument 'forever'/,
    ],
    [
      ['router', '--max-inflight-bytes', 'lots'],
      /option '--max-inflight-bytes <size>' argument 'lots' is invalid/,
    ],
    [
      ['shard', '--serve', '*/*/*/*', '--max-inflight-bytes', '0'],
      /option '--max-inflight-bytes <size>' argument '0' is invalid/,
    ],
    [
      ['router', '--registry', 'consul://127.0.0.1:1', '--models', 'models'],
      /error: --models is for the embedded registry; with consul:\/\/ the router reads plans from Consul KV/,
    ],
    [['up', '--bogus'], /error: unknown option '--bogus'/],
    [['shard'], /error: give --serve MODEL\/VERSION\/STAGE\/PARTITION, or --capacity-bytes SIZE/],
    [
      ['shard', '--serve', '*/*/*/*', '--capacity-bytes', '1GiB'],
      /error: --capacity-bytes starts a generic worker/,
    ],
    [['shard', '--capacity-bytes', '1GiB'], /error: --capacity-bytes needs --registry consul:\/\/HOST:PORT/],
    [['shard', '--capacity-bytes', 'lots'], /option '--capacity-bytes <size>' argument 'lots' is invalid/],
    [
      ['publish', 'models/m/1', '--registry', 'consul://127.0.0.1:1', '--replicas', '0'],
      /option '--replicas <n>'/,
    ],
  ];
  for (const [args, stderr] of cases) {
    void it(args.join(' '), async () => {
      const run = await shardmesh(...args);
      assert.equal(run.code, 2, `exit code; stderr: ${run.stderr}`);
      assert.match(run.stderr, stderr);
      assert.equal(run.stdout, '');
      assert.deepEqual(await readdir(cwd), [], 'refused before doing anything');
    });
  }
});

void describe('shardmesh with good options', () => {
  void it('certs init and issue write a CA and a certificate, and exit 0', async () => {
    const dir = path.join(cwd, 'certs');
    const init = await shardmesh('certs', 'init', '--dir', dir);
    assert.equal(init.code, 0, init.stderr);
    const issue = await shardmesh(
      ...['certs', 'issue', '--dir', dir, '--role', 'shard', '--name', 's-0'],
      ...['--days', '2', '--ip', '127.0.0.1,::1', '--dns', 'localhost'],
    );
    assert.equal(issue.code, 0, issue.stderr);
    assert.match(issue.stdout, /issued spiffe:\/\/shardmesh\.local\/shard\/s-0/);
    assert.deepEqual((await readdir(dir)).sort(), ['ca-key.pem', 'ca.pem', 's-0-key.pem', 's-0.pem']);
    await rm(dir, { recursive: true });
  });

  void it('--version and --help exit 0', async () => {
    assert.equal((await shardmesh('--version')).code, 0);
    const help = await shardmesh('up', '--help');
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--port <port>/);
  });
});
