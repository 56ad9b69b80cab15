import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';

import { ModelWaitError } from './inference-client.js';
import { makeCertificates, startLocalMesh } from './local-mesh.js';

const run = promisify(execFile);

/** This process's live children, other than the `ps` that lists them. */
async function childPids(): Promise<number[]> {
  const { stdout } = await run('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)]);
  return stdout
    .trim()
    .split('\n')
    .filter((line) => line.trim() !== '' && !/\sps$/.test(line))
    .map((line) => Number.parseInt(line, 10));
}

const exists = (file: string): Promise<boolean> =>
  access(file).then(
    () => true,
    () => false,
  );

// A router alone on an empty repository: enough to see what startLocalMesh owns and cleans up.
void describe('startLocalMesh', () => {
  let certs: Awaited<ReturnType<typeof makeCertificates>>;
  let modelsDir: string;

  before(async () => {
    certs = await makeCertificates([
      ['router', 'router'],
      ['client', 'client'],
    ]);
    modelsDir = await mkdtemp(path.join(tmpdir(), 'shardmesh-empty-models-'));
  });

  after(async () => {
    await certs.cleanup();
    await rm(modelsDir, { recursive: true, force: true });
  });

  it('without a registry URL, runs on a fresh embedded registry that stop() removes', async () => {
    const mesh = await startLocalMesh({ certsDir: certs.dir, modelsDir, shards: [] });
    const dir = mesh.registryUrl.replace(/^embedded:/, '');
    assert.notEqual(dir, mesh.registryUrl, `not an embedded registry: ${mesh.registryUrl}`);
    assert.ok(await exists(dir), 'the registry folder exists while the mesh runs');
    await mesh.stop();
    assert.ok(!(await exists(dir)), 'stop() removed the registry folder');
    assert.equal(mesh.router.process.exitCode ?? mesh.router.process.signalCode, 0);
  });

  it('a model that cannot become ready rejects, and what was started is stopped', async () => {
    await assert.rejects(
      startLocalMesh({ certsDir: certs.dir, modelsDir, shards: [], models: ['absent'] }),
      (error: unknown) => {
        assert.ok(error instanceof ModelWaitError, String(error));
        assert.match(error.message, /Request for unknown model: 'absent' is not found/);
        return true;
      },
    );
    assert.deepEqual(await childPids(), [], 'no router process is left');
  });
});
