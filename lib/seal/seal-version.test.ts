import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadPlan } from '../plan/repository.js';
import { replaceVersion } from '../plan/version-swap.js';
import { generateKeyFile, type KeyEncryptionKey } from './key-file.js';
import { readSealedPartition } from './read-sealed.js';
import { sealVersion, SealVersionError } from './seal-version.js';

/** A clear version of model `m`: one stage of two partitions holding random bytes, and a stamp file. */
async function writeClearVersion(dir: string): Promise<Buffer[]> {
  const parts = [randomBytes(5000), randomBytes(7000)];
  const spec = { datatype: 'FP32', shape: [-1, 2] };
  await replaceVersion(dir, async (folder) => {
    await writeFile(path.join(folder, 'p0.onnx'), parts[0]!);
    await writeFile(path.join(folder, 'p1.onnx'), parts[1]!);
    await writeFile(path.join(folder, '.stamp'), 'stamp');
    const plan = {
      name: 'm',
      version: '1',
      inputs: [{ name: 'x', ...spec }],
      outputs: [{ name: 'y', ...spec }],
      stages: [
        {
          name: 'main',
          partitions: [{ file: 'p0.onnx' }, { file: 'p1.onnx' }],
          inputs: [{ name: 'x', scatter: { kind: 'replicate' } }],
          outputs: [{ name: 'y', gather: { kind: 'sum' } }],
        },
      ],
    };
    await writeFile(path.join(folder, 'plan.json'), JSON.stringify(plan));
  });
  return parts;
}

void describe('sealVersion (shardmesh seal DIR)', () => {
  let root: string;
  let kek: KeyEncryptionKey;
  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'shardmesh-seal-version-'));
    kek = generateKeyFile(path.join(root, 'kek'));
  });
  after(() => rm(root, { recursive: true, force: true }));

  test('replaces the clear version with a sealed one that opens to the same bytes', async () => {
    const dir = path.join(root, 'a', 'm', '1');
    const parts = await writeClearVersion(dir);
    const plan = await sealVersion(dir, kek);
    assert.equal(plan.sealing?.keyId, kek.keyId);
    const loaded = await loadPlan(dir);
    assert.deepEqual(loaded.plan, plan);
    const files = (await readdir(loaded.dir)).sort();
    assert.deepEqual(files, ['.stamp', 'p0.onnx.sealed', 'p1.onnx.sealed', 'plan.json']);
    for (const [p, partition] of loaded.plan.stages[0]!.partitions.entries()) {
      const sealed = await readFile(path.join(loaded.dir, partition.file));
      assert.notDeepEqual(sealed, parts[p], 'the file on disk is not the clear one');
      assert.deepEqual(await readSealedPartition(loaded.dir, plan.sealing!, partition, kek), parts[p]);
    }
    // The clear folder went with the swap: only the sealed version's folder is left.
    const siblings = (await readdir(path.dirname(dir))).filter((n) => n !== '1');
    assert.deepEqual(siblings, [path.basename(await realpath(dir))]);
  });

  test('a sealed version is not sealed again', async () => {
    const dir = path.join(root, 'b', 'm', '1');
    await writeClearVersion(dir);
    await sealVersion(dir, kek);
    await assert.rejects(sealVersion(dir, kek), (error: unknown) => {
      assert.ok(error instanceof SealVersionError);
      assert.match(error.message, new RegExp(`is sealed already \\(key id ${kek.keyId}\\)`));
      return true;
    });
  });

  for (const step of ['writing', 'written', 'linked'] as const) {
    test(`stopped at "${step}": the clear version stays whole and loadable; the next seal completes`, async () => {
      const dir = path.join(root, `stop-${step}`, 'm', '1');
      const parts = await writeClearVersion(dir);
      const stop = new Error(`stopped at ${step}`);
      await assert.rejects(
        sealVersion(dir, kek, {
          onStep: (at) => {
            if (at === step) throw stop;
          },
        }),
        stop,
      );
      const loaded = await loadPlan(dir);
      assert.equal(loaded.plan.sealing, undefined, 'still the clear plan');
      for (const [p, partition] of loaded.plan.stages[0]!.partitions.entries())
        assert.deepEqual(await readFile(path.join(loaded.dir, partition.file)), parts[p]);
      const sealed = await sealVersion(dir, kek);
      assert.equal((await loadPlan(dir)).plan.sealing?.keyId, sealed.sealing!.keyId);
      assert.equal((await readdir(path.dirname(dir))).length, 2, 'the version link and its one folder');
    });
  }
});
