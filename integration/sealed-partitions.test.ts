import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../cli/run-cli.js';
import { CLI_ENTRY } from '../cli/paths.js';
import { loadPlan } from '../lib/plan/repository.js';
import { readKeyFile } from '../lib/seal/key-file.js';
import { readSealedPartition } from '../lib/seal/read-sealed.js';
import { prepareSyntheticMlp } from '../partition/models/demo-models.js';
import { randomTensor } from '../partition/models/synthetic.js';
import { ChildLogs, type LogLine } from './harness/child-logs.js';
import { rawInferRequest, type InferResponse } from './harness/compare.js';
import { makeCertificates, startMesh, type Mesh } from './harness/mesh.js';

/**
 * Sealed partitions over real processes (issue 10 item 4): `shardmesh seal` and `split --seal`
 * seal; a router and shards started by `shardmesh` serve them; a damaged or wrongly keyed file is
 * refused by its shard, which keeps serving its other partitions; and a shard never has a clear
 * partition file open, mapped or in its temporary folder.
 */

const MLP = { inputDim: 8, hiddenDim: 64, outputDim: 16, seed: 5, partitions: 2 } as const;
const SEALED = ['sealed', 'flipped', 'truncated', 'wrongkey'] as const;
const DAMAGED = ['flipped', 'truncated', 'wrongkey'] as const;
/** Version 1's folder as a shard names it: resolved through the link (lib/plan/version-swap.ts). */
const VERSION_FOLDER = String.raw`\.1\.data-\d+-[0-9a-f]+`;

void describe('sealed partitions served by a real mesh', () => {
  let root: string;
  let models: string;
  let certs: Awaited<ReturnType<typeof makeCertificates>>;
  let mesh: Mesh;
  const logs = new Map<string, ChildLogs>();
  const tmpDirs = new Map<string, string>();
  const cli = (...args: string[]) => runCli(root, ...args);

  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'shardmesh-sealed-'));
    models = path.join(root, 'models');
    const made = await cli('seal', '--generate-key-file', 'kek');
    assert.equal(made.code, 0, made.stderr);
    assert.equal((await cli('seal', '--generate-key-file', 'other-kek')).code, 0);
    for (const name of ['clear', ...SEALED]) await prepareSyntheticMlp(models, { name, ...MLP });
    for (const name of SEALED) {
      const key = name === 'wrongkey' ? 'other-kek' : 'kek';
      const sealed = await cli('seal', path.join(models, name, '1'), '--key-file', key);
      assert.equal(sealed.code, 0, sealed.stderr);
      assert.match(
        sealed.stdout,
        new RegExp(`sealed ${name}/1: 2 partition files under key id [0-9a-f]{16}`),
      );
    }
    const split = await cli(
      ...[
        'split',
        path.join(root, 'originals', 'clear.onnx'),
        '--out',
        path.join(models, 'split-sealed', '1'),
      ],
      ...['--strategy', 'tensor', '--partitions', '2', '--seal', '--key-file', 'kek', '--verify'],
    );
    assert.equal(split.code, 0, split.stderr);
    // Damage partition 0 of two sealed models: one flipped byte, and a file cut in half.
    const file0 = async (name: string): Promise<string> => {
      const { plan, dir } = await loadPlan(path.join(models, name, '1'));
      return path.join(dir, plan.stages[0]!.partitions[0]!.file);
    };
    const flipped = await readFile(await file0('flipped'));
    flipped[Math.floor(flipped.length / 2)]! ^= 0x01;
    await writeFile(await file0('flipped'), flipped);
    await truncate(await file0('truncated'), Math.floor((await stat(await file0('truncated'))).size / 2));

    certs = await makeCertificates([
      ['router', 'router'],
      ['client', 'client'],
      ['shard', 'sealed-0'],
      ['shard', 'sealed-1'],
      ['shard', 'clear'],
      ['shard', 'nokey'],
    ]);
    const kekArgs = ['--key-file', path.join(root, 'kek')];
    const sealedShard = async (p: number) => {
      const name = `sealed-${p}`;
      const tmp = path.join(root, `tmp-${name}`);
      await mkdir(tmp);
      tmpDirs.set(name, tmp);
      const serve = ['split-sealed', ...SEALED].map((m) => `${m}/1/*/${p}`);
      return { name, serve, args: kekArgs, env: { TMPDIR: tmp } };
    };
    mesh = await startMesh({
      certsDir: certs.dir,
      modelsDir: models,
      logs: 'pipe',
      logLevel: 'info',
      shards: [
        await sealedShard(0),
        await sealedShard(1),
        { name: 'clear', serve: ['clear/1/*/*'] },
        // No key: its sealed partition is refused, the clear one (a second replica) served.
        { name: 'nokey', serve: ['clear/1/*/0', 'sealed/1/*/1'] },
      ],
      models: ['clear', 'sealed', 'split-sealed'],
    });
    for (const child of [mesh.router, ...mesh.shards.values()]) logs.set(child.name, ChildLogs.tap(child));
  });

  after(async () => {
    await mesh?.stop();
    await certs?.cleanup();
    if (root) await rm(root, { recursive: true, force: true });
  });

  const infer = (model: string, seed: number) =>
    mesh.client.call<InferResponse>(
      'ModelInfer',
      rawInferRequest(model, [randomTensor('x', [3, MLP.inputDim], seed)]),
    );
  const ready = (model: string) =>
    mesh.client.call<{ ready: boolean }>('ModelReady', { name: model, version: '' }).then((r) => r.ready);
  const refusals = (shard: string): LogLine[] =>
    logs.get(shard)!.filter((l) => l.msg === 'partition refused');
  const serving = (shard: string) =>
    logs.get(shard)!.waitFor('shard serving', (l) => l.msg === 'shard serving', 10_000);

  test('sealed partitions (shardmesh seal, split --seal) answer bitwise equal to the clear model', async () => {
    for (const seed of [1, 2, 3]) {
      const clear = await infer('clear', seed);
      for (const model of ['sealed', 'split-sealed']) {
        const sealed = await infer(model, seed);
        assert.equal(sealed.raw_output_contents.length, clear.raw_output_contents.length);
        sealed.raw_output_contents.forEach((bytes, i) =>
          assert.ok(
            Buffer.compare(bytes, clear.raw_output_contents[i]!) === 0,
            `${model} output ${i}, seed ${seed}`,
          ),
        );
      }
    }
  });

  test('a flipped byte, a truncated file and a wrong key are each refused at load, naming the file and the reason', async () => {
    const kek = readKeyFile(path.join(root, 'kek'));
    const other = readKeyFile(path.join(root, 'other-kek'));
    const byModel = new Map(refusals('sealed-0').map((l) => [String(l['partition']).split('/')[0], l]));
    assert.deepEqual(
      [...byModel.keys()].sort(),
      [...DAMAGED].sort(),
      'exactly the damaged partitions are refused',
    );
    const expected: Record<(typeof DAMAGED)[number], [string, RegExp]> = {
      flipped: ['changed', /^changed since it was sealed: SHA-256 [0-9a-f]{16}… differs from the plan's/],
      truncated: ['truncated', /^truncated: \d+ bytes on disk, \d+ were sealed$/],
      wrongkey: [
        'wrong-key',
        new RegExp(`^sealed under key id ${other.keyId}, this shard was given key id ${kek.keyId}`),
      ],
    };
    for (const model of DAMAGED) {
      const line = byModel.get(model)!;
      assert.match(
        String(line['file']),
        new RegExp(`/${model}/${VERSION_FOLDER}/stage-[^/]+-part-0\\.onnx\\.sealed$`),
      );
      assert.equal(line['failure'], expected[model][0]);
      assert.match(String(line['reason']), expected[model][1]);
      assert.equal(await ready(model), false, `${model}: its partition 0 has no replica`);
    }
    // The same shard serves and registered its healthy partitions; the other shard all of its own.
    const served = (await serving('sealed-0'))['partitions'] as string[];
    assert.deepEqual(served.map((k) => k.split('/')[0]).sort(), ['sealed', 'split-sealed']);
    // Both of wrongkey's files were sealed under the other key: partition 1 is refused too.
    const other1 = refusals('sealed-1');
    assert.deepEqual(
      other1.map((l) => [l['partition'], l['failure']]),
      [['wrongkey/1/mlp-0/1', 'wrong-key']],
    );
    assert.equal(((await serving('sealed-1'))['partitions'] as string[]).length, 4);
    assert.equal(await ready('sealed'), true);
    await infer('sealed', 9);
  });

  test('a shard given no key refuses its sealed partition, saying to start it with --key-file, and serves the clear one', async () => {
    const [line, ...more] = refusals('nokey');
    assert.deepEqual(more, []);
    assert.equal(line?.['reason'], 'sealed; start the shard with --key-file');
    assert.match(
      String(line?.['file']),
      new RegExp(`/sealed/${VERSION_FOLDER}/stage-[^/]+-part-1\\.onnx\\.sealed$`),
    );
    assert.deepEqual(
      ((await serving('nokey'))['partitions'] as string[]).map((k) => k.split('/')[0]),
      ['clear'],
    );
    assert.equal(mesh.shards.get('nokey')!.process.exitCode, null, 'still running');
  });

  test('no clear partition is on disk: not among a sealed shard’s open or mapped files, nor in its temporary folder', async () => {
    // Clear bytes of every sealed partition, decrypted here, to recognise a copy under any name.
    const kek = readKeyFile(path.join(root, 'kek'));
    const clearHashes = new Set<string>();
    for (const model of ['sealed', 'split-sealed']) {
      const { plan, dir } = await loadPlan(path.join(models, model, '1'));
      for (const partition of plan.stages.flatMap((s) => s.partitions))
        clearHashes.add(sha256(await readSealedPartition(dir, plan.sealing!, partition, kek)));
    }
    await infer('sealed', 4); // serving, right now
    for (const name of ['sealed-0', 'sealed-1']) {
      const pid = mesh.shards.get(name)!.process.pid!;
      const open = await openFiles(pid);
      assert.ok(open.length > 0, 'the listing works');
      const shown = open.map((f) => f.shown);
      const onnx = shown.filter((f) => /\.onnx( \(deleted\))?$/.test(f));
      assert.deepEqual(onnx, [], `${name} has clear partition files open or mapped`);
      // ONNX Runtime's telemetry layer (Microsoft's 1DS events SDK) writes two files to TMPDIR
      // in every process: mat-debug-<pid>.log (empty, or its own EventsSDK log lines) and `.ses`
      // (a launch time and an id).
      // Anything else there would be ours.
      const tmp = tmpDirs.get(name)!;
      const ortFiles = new Map([
        [/^mat-debug-\d+\.log$/, /^(\S+\|\d+\|[A-Z]\|EventsSDK\.[^\n]*\n)*$/],
        [/^\.ses$/, /^\d+\n[0-9a-f-]{36}\n$/],
      ]);
      const ortFile = (entry: string): RegExp | undefined =>
        [...ortFiles].find(([named]) => named.test(entry))?.[1];
      const inTmp = shown.filter((f) => f.startsWith(tmp) && !ortFile(path.basename(f)));
      assert.deepEqual(inTmp, [], `${name} has files of its TMPDIR open`);
      for (const entry of await readdir(tmp, { recursive: true })) {
        const content = ortFile(entry);
        assert.ok(content, `${name} wrote ${entry} to its TMPDIR`);
        assert.match(await readFile(path.join(tmp, entry), 'utf8'), content, `${name}'s ${entry}`);
      }
      for (const { shown: file, via } of open) {
        const info = await stat(via).catch(() => undefined);
        if (!info?.isFile() || info.size > 64 << 20) continue;
        const hash = sha256(await readFile(via));
        assert.ok(!clearHashes.has(hash), `${name} has ${file} open, the clear bytes of a sealed partition`);
      }
    }
  });
});

void describe('shardmesh seal killed mid-swap', () => {
  test(
    'leaves the clear version whole and loadable; the next seal completes',
    { timeout: 60_000 },
    async () => {
      const root = await mkdtemp(path.join(tmpdir(), 'shardmesh-seal-kill-'));
      try {
        const models = path.join(root, 'models');
        await prepareSyntheticMlp(models, { name: 'm', ...MLP });
        assert.equal((await runCli(root, 'seal', '--generate-key-file', 'kek')).code, 0);
        const dir = path.join(models, 'm', '1');
        const child = spawn(process.execPath, [CLI_ENTRY, 'seal', dir, '--key-file', 'kek'], {
          cwd: root,
          env: { ...process.env, SHARDMESH_TEST_SPLIT_PAUSE_AT: 'linked' },
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        const exited = new Promise((resolve) => child.once('exit', resolve));
        await new Promise<void>((resolve) =>
          child.stderr.on('data', (chunk: Buffer) => {
            if (chunk.toString().includes('paused at linked')) resolve();
          }),
        );
        child.kill('SIGKILL');
        await exited;
        const loaded = await loadPlan(dir);
        assert.equal(loaded.plan.sealing, undefined, 'the clear plan, not a half-sealed one');
        for (const partition of loaded.plan.stages.flatMap((s) => s.partitions))
          assert.ok((await stat(path.join(loaded.dir, partition.file))).size > 0, partition.file);
        const again = await runCli(root, 'seal', dir, '--key-file', 'kek');
        assert.equal(again.code, 0, again.stderr);
        assert.ok((await loadPlan(dir)).plan.sealing);
        const left = await readdir(path.dirname(dir));
        assert.equal(
          left.length,
          2,
          `the version link and one folder, the killed run's gone: ${left.join(', ')}`,
        );
      } finally {
        await rm(root, { recursive: true, force: true });
      }
    },
  );
});

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/**
 * Files a process has open (/proc/PID/fd) or mapped (/proc/PID/maps): the path each shows (a
 * deleted file keeps its name, with " (deleted)"), and where to read it (an open one through its
 * fd, so a deleted file is read too).
 */
async function openFiles(pid: number): Promise<{ shown: string; via: string }[]> {
  const files: { shown: string; via: string }[] = [];
  for (const fd of await readdir(`/proc/${pid}/fd`)) {
    const via = `/proc/${pid}/fd/${fd}`;
    const target = await readlink(via).catch(() => '');
    if (target.startsWith('/')) files.push({ shown: target, via });
  }
  for (const line of (await readFile(`/proc/${pid}/maps`, 'utf8')).split('\n')) {
    const mapped = line.split(/\s+/).slice(5).join(' ');
    if (mapped.startsWith('/')) files.push({ shown: mapped, via: mapped });
  }
  return files;
}
