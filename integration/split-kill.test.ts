import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, readlink, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { CLI_ENTRY } from '../cli/paths.js';
import { loadPlan, loadRepository } from '../lib/plan/repository.js';
import type { SwapStep } from '../lib/plan/version-swap.js';
import { mulberry32 } from '../lib/random.js';
import { encodeModel } from '../partition/onnx/graph.js';
import { mlp } from '../partition/models/synthetic.js';

/**
 * `shardmesh split` SIGKILLed while it replaces a version, as real processes: at each named step of
 * the swap (the test seam SHARDMESH_TEST_SPLIT_PAUSE_AT) and after seeded random delays. After
 * every kill the version must be the old one or the new one, complete (plan.json and every
 * partition file with the bytes a finished split writes), read through lib/plan/repository.ts; a
 * reader polling all along must never fail; and after the next finished split no temporary folder
 * may be left. Two models tell old from new: A splits into 2 partitions, B into 3.
 */

const RANDOM_KILLS = 14;
const SEED = 9;
const STEPS: readonly SwapStep[] = ['writing', 'written', 'linked', 'swapped'];

type Files = ReadonlyMap<string, string>;

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/** plan.json and the partition files of the version in `dir`, by name, with their hashes. */
async function versionFiles(dir: string): Promise<Files> {
  const loaded = await loadPlan(dir);
  const names = ['plan.json', ...loaded.plan.stages.flatMap((s) => s.partitions.map((p) => p.file))];
  const files = new Map<string, string>();
  for (const name of names) files.set(name, sha256(await readFile(path.join(loaded.dir, name))));
  return files;
}

const same = (a: Files, b: Files): boolean =>
  a.size === b.size && [...a].every(([name, hash]) => b.get(name) === hash);

function split(cwd: string, model: string, env: NodeJS.ProcessEnv = {}) {
  return spawn(
    process.execPath,
    [
      CLI_ENTRY,
      'split',
      model,
      '--out',
      'models/m/1',
      '--strategy',
      'tensor',
      '--partitions',
      model === 'a.onnx' ? '2' : '3',
    ],
    { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
}

/** Entries of the model folder other than the version link and the folder it points at. */
async function leftovers(modelDir: string): Promise<string[]> {
  const target = await readlink(path.join(modelDir, '1')).catch(() => '');
  return (await readdir(modelDir)).filter((e) => e !== '1' && e !== target);
}

void describe('shardmesh split, SIGKILLed while it replaces a version', () => {
  let cwd: string;
  let expected: { readonly a: Files; readonly b: Files };
  before(async () => {
    cwd = await mkdtemp(path.join(tmpdir(), 'shardmesh-split-kill-'));
    // Big enough that writing takes a while, small enough for many runs.
    const model = (seed: number) => encodeModel(mlp({ inputDim: 64, hiddenDim: 2048, outputDim: 64, seed }));
    await writeFile(path.join(cwd, 'a.onnx'), model(1));
    await writeFile(path.join(cwd, 'b.onnx'), model(2));
    const run = promisify(execFile);
    const reference = async (file: string, out: string, partitions: string): Promise<Files> => {
      await run(
        process.execPath,
        [CLI_ENTRY, 'split', file, '--out', out, '--strategy', 'tensor', '--partitions', partitions],
        { cwd },
      );
      return versionFiles(path.join(cwd, out));
    };
    expected = {
      a: await reference('a.onnx', 'ref-a/m/1', '2'),
      b: await reference('b.onnx', 'ref-b/m/1', '3'),
    };
    assert.equal(expected.a.size, 3);
    assert.equal(expected.b.size, 4);
  });
  after(async () => {
    await rm(cwd, { recursive: true, force: true });
  });

  test('the version is always the old or the new one, whole; the next split leaves no temporary folder', async () => {
    const modelDir = path.join(cwd, 'models', 'm');
    const versionDir = path.join(modelDir, '1');
    const whichVersion = async (): Promise<'a' | 'b'> => {
      const files = await versionFiles(versionDir);
      if (same(files, expected.a)) return 'a';
      if (same(files, expected.b)) return 'b';
      throw new Error(`neither version: ${JSON.stringify([...files])}`);
    };
    const finished = split(cwd, 'a.onnx');
    assert.deepEqual(await once(finished, 'exit'), [0, null]);
    let current = await whichVersion();

    // A reader all along, as the router and shards read: a failed read is a version seen as neither.
    const reads = { ok: 0, failed: 0, retried: 0 };
    let reading = true;
    const reader = (async () => {
      while (reading) {
        const before = await realpath(versionDir).catch(() => '');
        try {
          await whichVersion();
          reads.ok++;
        } catch (error) {
          // The folder it resolved was removed after a finished swap: the link already names the new one.
          if ((await realpath(versionDir).catch(() => '')) !== before) reads.retried++;
          else {
            if (reads.failed++ === 0) console.error(`read failed: ${String(error)}`);
          }
        }
        await sleep(5);
      }
    })();

    const seen = { old: 0, new: 0, leavingFolders: 0, folders: 0 };
    const killAt = async (
      delay: (child: ChildProcess) => Promise<void>,
      env: NodeJS.ProcessEnv = {},
    ): Promise<void> => {
      const next = current === 'a' ? 'b.onnx' : 'a.onnx';
      const child = split(cwd, next, env);
      const exited = once(child, 'exit');
      await delay(child);
      child.kill('SIGKILL');
      await exited;
      const now = await whichVersion();
      seen[now === current ? 'old' : 'new']++;
      current = now;
      const left = (await leftovers(modelDir)).length;
      if (left > 0) seen.leavingFolders++;
      seen.folders = Math.max(seen.folders, left);
    };
    const pausedAt = (step: SwapStep) => (child: ChildProcess) =>
      new Promise<void>((resolve, reject) => {
        createInterface({ input: child.stderr! }).on('line', (line) => {
          if (line.startsWith(`split paused at ${step}`)) resolve();
        });
        child.once('exit', (code) => reject(new Error(`split exited (${code}) before pausing at ${step}`)));
      });
    let leftBehind: string[];
    try {
      const random = mulberry32(SEED);
      for (let k = 0; k < RANDOM_KILLS; k++) {
        await killAt(async (child) => {
          child.stderr!.resume();
          await sleep(100 + Math.floor(random() * 800));
        });
      }
      // Last, so the final run has a killed run's folders to remove ('swapped' leaves the old one).
      for (const step of STEPS) await killAt(pausedAt(step), { SHARDMESH_TEST_SPLIT_PAUSE_AT: step });
      leftBehind = await leftovers(modelDir);

      const last = split(cwd, current === 'a' ? 'b.onnx' : 'a.onnx');
      assert.deepEqual(await once(last, 'exit'), [0, null]);
    } finally {
      reading = false;
      await reader;
    }
    const finalVersion = await whichVersion();
    const remaining = await leftovers(modelDir);
    console.log(
      `split kills: ${RANDOM_KILLS} at random + ${STEPS.length} at named steps; after each kill the version ` +
        `was the old one ${seen.old} times, the new one ${seen.new}, neither 0; ${seen.leavingFolders} kills left ` +
        `folders behind (at most ${seen.folders} at once); reads meanwhile: ${reads.ok} whole, ${reads.retried} ` +
        `retried after a finished swap, ${reads.failed} failed; after the next split ${remaining.length} leftovers ` +
        `(before it: ${leftBehind.join(', ')})`,
    );
    assert.equal(reads.failed, 0);
    assert.ok(leftBehind.length > 0, 'the last kill left something for the next run to remove');
    assert.deepEqual(remaining, []);
    assert.equal((await loadRepository(path.join(cwd, 'models'))).length, 1);
    assert.ok(finalVersion === 'a' || finalVersion === 'b');
  });
});
