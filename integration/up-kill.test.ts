import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { alive, childrenOf, spawnUp, startUp, stillAliveAfter } from './harness/up-process.js';

/**
 * `shardmesh up` killed in ways its own handlers never see, as real processes in one folder and on
 * one fixed port, checked by pid through /proc: SIGKILL must take its router and shards with it
 * (their parent watch), so the next `up` on the same port starts; children that cannot react
 * (SIGSTOPped before the kill) are stopped by the next `up`, which names them; a port held by
 * another process is refused with that process's pid, exit code 1.
 */

/** Longer than a child needs to drain with nothing in flight; within its own 40 s stop limit. */
const GONE_WITHIN_MS = 30_000;

/** A port free right now, for an `up` that must find it again after a kill. */
async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

void describe('shardmesh up, killed', () => {
  let cwd: string;
  let port: number;
  const started: number[] = [];
  before(async () => {
    cwd = await mkdtemp(path.join(tmpdir(), 'shardmesh-up-kill-'));
    port = await freePort();
  });
  after(async () => {
    for (const pid of started) if (await alive(pid)) process.kill(pid, 'SIGKILL');
    await rm(cwd, { recursive: true, force: true });
  });

  /** `up` on the test's port and its children (router and shards), recorded for cleanup. */
  const up = async () => {
    const u = await startUp(cwd, ['--port', String(port), '--metrics-port', '0', '--partitions', '2']);
    const children = (await childrenOf(u.process.pid!)).map((c) => c.pid);
    started.push(u.process.pid!, ...children);
    assert.equal(children.length, 3, 'a router and two shards');
    return { up: u, children };
  };

  test('SIGKILL of up leaves no process behind, and the next up starts on the same port', async () => {
    const first = await up();
    first.up.process.kill('SIGKILL');
    await first.up.exited;
    const left = await stillAliveAfter(first.children, GONE_WITHIN_MS);
    console.log(`SIGKILL of up: ${first.children.length} children, ${left.length} left after it`);
    assert.deepEqual(left, []);

    const second = await up();
    assert.equal(second.up.address, `127.0.0.1:${port}`);
    second.up.process.kill('SIGTERM');
    assert.deepEqual(await second.up.exited, [0, null], second.up.stderr());
  });

  test('children that could not stop with it are stopped, by pid, by the next up', async () => {
    const first = await up();
    for (const pid of first.children) process.kill(pid, 'SIGSTOP');
    first.up.process.kill('SIGKILL');
    await first.up.exited;
    assert.deepEqual(await stillAliveAfter(first.children, 0), first.children, 'stopped: still there');

    const second = await up();
    const named = /stopped what an earlier shardmesh up left running: (.*)$/m.exec(second.up.stdout());
    assert.ok(named, second.up.stdout());
    const pids = [...named[1]!.matchAll(/PID (\d+)/g)].map((m) => Number(m[1]));
    assert.deepEqual(pids.sort(), [...first.children].sort());
    assert.deepEqual(await stillAliveAfter(first.children, 0), []);
    console.log(`SIGSTOPped children of a SIGKILLed up: ${pids.length}, stopped by the next up`);

    // While it runs, another up in the same folder is refused: it would empty the registry in use.
    const beside = spawnUp(cwd, ['--port', '0', '--metrics-port', '0']);
    assert.deepEqual(await beside.exited, [1, null]);
    assert.match(beside.stderr(), new RegExp(`another shardmesh up \\(PID ${second.up.process.pid}\\) runs`));
    second.up.process.kill('SIGTERM');
    assert.deepEqual(await second.up.exited, [0, null], second.up.stderr());
  });

  test('a port held by another process: up names its pid and exits 1', async () => {
    const holder = spawn(
      process.execPath,
      ['-e', `require('net').createServer().listen(${port}, '127.0.0.1', () => console.log('listening'))`],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    started.push(holder.pid!);
    await new Promise<void>((resolve) =>
      createInterface({ input: holder.stdout }).on('line', (line) => {
        if (line === 'listening') resolve();
      }),
    );
    try {
      const refused = spawnUp(cwd, ['--port', String(port), '--metrics-port', '0']);
      assert.deepEqual(await refused.exited, [1, null]);
      assert.match(refused.stderr(), new RegExp(`port ${port} is in use by PID ${holder.pid} \\(.*node`));
      console.log(`up on a held port: ${refused.stderr().trim()}`);
    } finally {
      holder.kill('SIGKILL');
    }
  });
});
