import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { processStart, reapPreviousRun, writeRunRecord } from './up-run-record.js';

/** A real process that runs until killed. */
async function sleeper() {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  await once(child, 'spawn');
  return child;
}

void describe('the run record of shardmesh up', () => {
  let dir: string;
  let file: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'shardmesh-run-record-'));
    file = path.join(dir, 'up.json');
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  void test('a live up is reported, and its children left alone', async () => {
    const child = await sleeper();
    try {
      await writeRunRecord(file, process.pid, [{ name: 'router', pid: child.pid! }]);
      const previous = await reapPreviousRun(file);
      assert.equal(previous.kind, 'running');
      assert.equal(previous.kind === 'running' && previous.up.pid, process.pid);
      assert.ok((await processStart(child.pid!)) !== undefined, 'the child still runs');
    } finally {
      child.kill('SIGKILL');
    }
  });

  void test("a dead up's stopped child is stopped; a pid now another process's is not touched", async () => {
    const orphan = await sleeper();
    const orphanExit = once(orphan, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    const stranger = await sleeper();
    const gone = spawn(process.execPath, ['-e', '0']);
    await once(gone, 'exit');
    try {
      orphan.kill('SIGSTOP');
      await writeRunRecord(file, process.pid, [
        { name: 'shard-0', pid: orphan.pid! },
        { name: 'shard-1', pid: stranger.pid! },
      ]);
      // As if written by an up that is gone (its pid), and before `stranger` got its pid (its start).
      const record = JSON.parse(await readFile(file, 'utf8')) as {
        up: { pid: number };
        children: { start: string }[];
      };
      record.up.pid = gone.pid!;
      record.children[1]!.start = '1';
      await writeFile(file, JSON.stringify(record));
      const previous = await reapPreviousRun(file, 1_000);
      assert.deepEqual(previous.kind === 'stopped' && previous.orphans.map((o) => o.pid), [orphan.pid]);
      const [code, signal] = await orphanExit;
      assert.equal(code ?? signal, 'SIGTERM');
      assert.ok((await processStart(stranger.pid!)) !== undefined, 'the stranger still runs');
      assert.equal((await reapPreviousRun(file)).kind, 'none', 'the record is gone');
    } finally {
      orphan.kill('SIGKILL');
      stranger.kill('SIGKILL');
    }
  });
});
