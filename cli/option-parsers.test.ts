import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { InvalidArgumentError } from 'commander';
import { selectPartitions, type PartitionSelector } from '../services/shard/partition-catalog.js';
import {
  collectDnsNames,
  collectIps,
  collectSelector,
  parseAddress,
  parseChoice,
  parseCount,
  parseDurationMs,
  parseDurationOrZeroMs,
  parseHost,
  parsePort,
  parseRegistry,
  parseSeed,
  parseSize,
  sizeBetween,
} from './option-parsers.js';

/** The parsers alone; `main.test.ts` runs them through the built command. */

const rejects = (parse: (value: string) => unknown, value: string, expected: RegExp): void =>
  assert.throws(
    () => parse(value),
    (error: unknown) => {
      assert.ok(error instanceof InvalidArgumentError, `${value}: ${String(error)}`);
      assert.match(error.message, expected);
      return true;
    },
    `${value} was accepted`,
  );

void describe('option parsers', () => {
  void it('ports are integers from 0 to 65535, written in decimal', () => {
    assert.equal(parsePort('0'), 0);
    assert.equal(parsePort('8001'), 8001);
    assert.equal(parsePort('65535'), 65535);
    for (const bad of ['abc', '', ' ', '-1', '65536', '80.5', '0x50', '1e3', '8001abc', 'NaN'])
      rejects(parsePort, bad, /^expected an integer from 0 to 65535$/);
  });

  void it('counts are positive integers; seeds are 32-bit unsigned', () => {
    assert.equal(parseCount('1'), 1);
    assert.equal(parseCount('64'), 64);
    for (const bad of ['0', '-2', '1.5', 'two', '9007199254740993'])
      rejects(parseCount, bad, /positive integer/);
    assert.equal(parseSeed('0'), 0);
    assert.equal(parseSeed('4294967295'), 4294967295);
    for (const bad of ['-1', '4294967296', 'x']) rejects(parseSeed, bad, /0 to 4294967295/);
  });

  void it('sizes take binary units, and a bounded size names its bounds', () => {
    assert.equal(parseSize('1048576'), 1 << 20);
    assert.equal(parseSize('512KiB'), 512 << 10);
    assert.equal(parseSize('1MiB'), 1 << 20);
    assert.equal(parseSize('1m'), 1 << 20);
    assert.equal(parseSize('1.5GiB'), 1.5 * 2 ** 30);
    for (const bad of ['', 'big', '-1MiB', '1XiB', '1 MiB 2']) rejects(parseSize, bad, /expected a size/);
    const chunk = sizeBetween(8, 3 << 20);
    assert.equal(chunk('3MiB'), 3 << 20);
    rejects(chunk, '4MiB', /^expected a size from 8 to 3145728 bytes$/);
    rejects(chunk, '4', /from 8 to/);
  });

  void it('durations are positive milliseconds, a bare number meaning ms', () => {
    assert.equal(parseDurationMs('60000'), 60_000);
    assert.equal(parseDurationMs('500ms'), 500);
    assert.equal(parseDurationMs('30s'), 30_000);
    assert.equal(parseDurationMs('1.5s'), 1500);
    assert.equal(parseDurationMs('2m'), 120_000);
    assert.equal(parseDurationMs('2d'), 2 * 86_400_000);
    for (const bad of ['0', '0s', 'soon', '-5', '5w', '']) rejects(parseDurationMs, bad, /positive duration/);
    assert.equal(parseDurationOrZeroMs('0'), 0);
    assert.equal(parseDurationOrZeroMs('0s'), 0);
    assert.equal(parseDurationOrZeroMs('30s'), 30_000);
    for (const bad of ['soon', '-5', '5w', '']) rejects(parseDurationOrZeroMs, bad, /duration such as 0/);
  });

  void it('choices accept only their words and list them', () => {
    const role = parseChoice(['router', 'shard', 'client'] as const);
    assert.equal(role('shard'), 'shard');
    rejects(role, 'admin', /^expected one of router, shard, client$/);
    rejects(role, 'Shard', /one of/);
  });

  void it('registry URLs are consul:// with a real port or embedded:', () => {
    assert.equal(parseRegistry('consul://127.0.0.1:8500'), 'consul://127.0.0.1:8500');
    assert.equal(parseRegistry('consul://localhost'), 'consul://localhost');
    assert.equal(parseRegistry('embedded:/tmp/x'), 'embedded:/tmp/x');
    for (const bad of [
      'http://x:1',
      'consul://',
      'consul://h:99999',
      'consul://u:p@h:1',
      'consul://h:1/path',
    ])
      rejects(parseRegistry, bad, /expected consul:\/\/HOST:PORT or embedded:DIR/);
    rejects(parseRegistry, 'consul://h:0', /port from 1 to 65535/);
  });

  void it('hosts and addresses', () => {
    for (const good of ['127.0.0.1', '::1', '0.0.0.0', 'localhost', 'shard-0.mesh.local'])
      assert.equal(parseHost(good), good);
    for (const bad of ['', 'a b', 'host:1', '-x', 'x..y'])
      rejects(parseHost, bad, /IP address or a host name/);
    for (const good of ['127.0.0.1:8001', 'localhost:1', '[::1]:8001'])
      assert.equal(parseAddress(good), good);
    for (const bad of ['nohost', '127.0.0.1', ':8001', '127.0.0.1:0', '127.0.0.1:65536', 'a b:1', '::1:80'])
      rejects(parseAddress, bad, /expected HOST:PORT/);
  });

  void it('IP and DNS lists accumulate across repeats and reject a bad member', () => {
    assert.deepEqual(collectIps('127.0.0.1,::1', ['10.0.0.1']), ['10.0.0.1', '127.0.0.1', '::1']);
    rejects(collectIps, '127.0.0.1,localhost', /IP addresses/);
    rejects(collectIps, ',', /IP addresses/);
    assert.deepEqual(collectDnsNames('a.local,*.mesh.local'), ['a.local', '*.mesh.local']);
    rejects(collectDnsNames, 'a b', /DNS names/);
    rejects(collectDnsNames, 'x.*.y', /DNS names/);
  });
});

void describe('--serve selectors', () => {
  void it('parse into four parts, accumulating across repeats', () => {
    const first = collectSelector('mlp/1/*/0');
    assert.deepEqual(first, [{ model: 'mlp', version: '1', stage: '*', partition: '0' }]);
    assert.deepEqual(collectSelector('*/*/*/*', first), [
      ...first,
      { model: '*', version: '*', stage: '*', partition: '*' },
    ]);
  });

  void it('reject malformed selectors, saying what a selector looks like', () => {
    for (const bad of ['mlp', 'mlp/1/*', 'mlp/1/*/0/extra', 'mlp//*/0', '/1/a/0', ''])
      rejects(collectSelector, bad, /^expected MODEL\/VERSION\/STAGE\/PARTITION, any part may be \*$/);
    for (const bad of ['mlp/1/*/x', 'mlp/1/*/-1', 'mlp/1/*/01', 'mlp/1/*/0.5'])
      rejects(collectSelector, bad, /partition number or \*/);
  });

  void describe('match the partitions of a model repository', () => {
    let root: string;
    /** Two stages of two partitions: what a pipeline of tensor-parallel blocks looks like. */
    const plan = (name: string, version: string) => ({
      name,
      version,
      inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4] }],
      outputs: [{ name: 'y', datatype: 'FP32', shape: [1, 4] }],
      stages: ['a', 'b'].map((stage, s) => ({
        name: stage,
        partitions: [0, 1].map((p) => ({ file: `${stage}-${p}.onnx` })),
        inputs: [{ name: s === 0 ? 'x' : 'h', scatter: { kind: 'replicate' } }],
        outputs: [{ name: s === 0 ? 'h' : 'y', gather: { kind: 'sum' } }],
      })),
    });
    const picked = async (...selectors: string[]): Promise<string[]> => {
      const parsed = selectors.reduce<PartitionSelector[]>((all, s) => collectSelector(s, all), []);
      const chosen = await selectPartitions(root, parsed);
      return chosen.map((p) => `${p.model}/${p.version}/${p.stage}/${p.partition}`).sort();
    };

    before(async () => {
      root = await mkdtemp(path.join(tmpdir(), 'shardmesh-selectors-'));
      for (const [name, version] of [
        ['mlp', '1'],
        ['mlp', '2'],
        ['ocr', '1'],
      ] as const) {
        const dir = path.join(root, name, version);
        await mkdir(dir, { recursive: true });
        await writeFile(path.join(dir, 'plan.json'), JSON.stringify(plan(name, version)));
      }
    });
    after(() => rm(root, { recursive: true, force: true }));

    void it('a * part matches anything, a named part only itself', async () => {
      assert.deepEqual(await picked('mlp/1/*/0'), ['mlp/1/a/0', 'mlp/1/b/0']);
      assert.deepEqual(await picked('mlp/*/b/1'), ['mlp/1/b/1', 'mlp/2/b/1']);
      assert.deepEqual(await picked('*/*/*/1'), [
        'mlp/1/a/1',
        'mlp/1/b/1',
        'mlp/2/a/1',
        'mlp/2/b/1',
        'ocr/1/a/1',
        'ocr/1/b/1',
      ]);
      assert.equal((await picked('*/*/*/*')).length, 12);
    });

    void it('several selectors pick the union, each partition once', async () => {
      assert.deepEqual(await picked('ocr/1/a/*', 'ocr/*/a/0', 'mlp/2/b/1'), [
        'mlp/2/b/1',
        'ocr/1/a/0',
        'ocr/1/a/1',
      ]);
    });

    void it('a selector that names nothing in the repository picks nothing', async () => {
      assert.deepEqual(await picked('mlp/3/*/*'), []);
      assert.deepEqual(await picked('mlp/1/*/2'), []);
      assert.deepEqual(await picked('mlp/1/c/0'), []);
    });
  });
});
