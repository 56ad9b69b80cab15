import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { recoverVersion, replaceVersion, type SwapStep } from './version-swap.js';

/** A pid no process has: a child's, after it exited (reuse within a test is beyond unlikely). */
const deadPid = (): number => spawnSync(process.execPath, ['-e', '0']).pid!;

/** Fills a version folder with a file `content` holding `text`. */
const fillWith =
  (text: string) =>
  async (dir: string): Promise<void> => {
    await writeFile(path.join(dir, 'content'), text);
  };

const contentOf = (dir: string): Promise<string> => readFile(path.join(dir, 'content'), 'utf8');

void describe('replaceVersion', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'shardmesh-swap-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  void it('makes the version a symlink to a complete folder, and replaces it leaving one folder', async () => {
    const dir = path.join(root, 'a', '1');
    await replaceVersion(dir, fillWith('old'));
    assert.ok((await lstat(dir)).isSymbolicLink());
    await replaceVersion(dir, fillWith('new'));
    assert.equal(await contentOf(dir), 'new');
    assert.equal((await readdir(path.join(root, 'a'))).length, 2, 'the link and its folder');
  });

  for (const step of ['writing', 'written', 'linked', 'swapped'] as const) {
    void it(`a writer stopped at "${step}" leaves the old or new version whole; the next write tidies up`, async () => {
      const dir = path.join(root, `stop-${step}`, '1');
      await replaceVersion(dir, fillWith('old'));
      const stopAt = (at: SwapStep) => (s: SwapStep) => {
        if (s === at) throw new Error(`stopped at ${s}`);
      };
      await assert.rejects(replaceVersion(dir, fillWith('new'), { onStep: stopAt(step) }), /stopped/);
      assert.equal(await contentOf(dir), step === 'swapped' ? 'new' : 'old');
      await replaceVersion(dir, fillWith('newer'));
      assert.equal(await contentOf(dir), 'newer');
      assert.equal((await readdir(path.dirname(dir))).length, 2, 'the link and its folder');
    });
  }

  void it("removes dead writers' folders, keeps a live writer's", async () => {
    const parent = path.join(root, 'leftovers');
    await replaceVersion(path.join(parent, '1'), fillWith('v1'));
    const dead = deadPid();
    const live = process.ppid;
    for (const name of [`.1.tmp-${dead}-aa`, `.1.data-${dead}-bb`, `.1.old-${dead}-cc`, `.1.tmp-${live}-dd`])
      await mkdir(path.join(parent, name));
    const removed = await recoverVersion(parent, '1');
    assert.deepEqual(removed.sort(), [`.1.data-${dead}-bb`, `.1.old-${dead}-cc`, `.1.tmp-${dead}-aa`]);
    assert.ok((await readdir(parent)).includes(`.1.tmp-${live}-dd`));
  });

  void it('links back a version an earlier writer moved aside and never linked', async () => {
    const parent = path.join(root, 'vanished');
    const aside = `.3.old-${deadPid()}-ee`;
    await mkdir(path.join(parent, aside), { recursive: true });
    await fillWith('kept')(path.join(parent, aside));
    await recoverVersion(parent, '3');
    assert.equal(await contentOf(path.join(parent, '3')), 'kept');
  });
});
