import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FolderModelRepository } from './folder-model-repository.js';
import type { PublishedVersion } from './model-kv-layout.js';
import { pollUntil } from './registry-testing.js';

const planJson = (version: string): string =>
  JSON.stringify({
    name: 'm',
    version,
    inputs: [{ name: 'x', datatype: 'FP32', shape: [-1] }],
    outputs: [{ name: 'y', datatype: 'FP32', shape: [-1] }],
    stages: [
      {
        name: 'main',
        partitions: [{ file: 'p0.onnx' }],
        inputs: [{ name: 'x', scatter: { kind: 'replicate' } }],
        outputs: [{ name: 'y', gather: { kind: 'concat', axis: 0 } }],
      },
    ],
  });

void describe('FolderModelRepository: the one-host repository', () => {
  let dir: string;
  let repository: FolderModelRepository;
  const seen: (readonly PublishedVersion[])[] = [];
  const addVersion = async (version: string): Promise<void> => {
    await mkdir(path.join(dir, 'models', 'm', version), { recursive: true });
    await writeFile(path.join(dir, 'models', 'm', version, 'plan.json'), planJson(version));
  };
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'shardmesh-folder-repo-'));
    await addVersion('1');
    repository = new FolderModelRepository(
      path.join(dir, 'models'),
      path.join(dir, 'registry', 'desired'),
      20,
    );
    repository.watch(
      (v) => seen.push(v),
      () => undefined,
    );
  });
  after(async () => {
    repository.close();
    await rm(dir, { recursive: true, force: true });
  });
  const last = (): string[] => (seen.at(-1) ?? []).map((v) => `${v.plan.version}:${v.desired.state}`);

  test('a version folder added later appears without restart', async () => {
    await pollUntil(() => last().length === 1, { what: 'm/1' });
    await addVersion('2');
    await pollUntil(() => last().length === 2, { what: 'm/2' });
    assert.deepEqual(last(), ['1:LOADED', '2:LOADED']);
  });

  test('the desired state is kept beside the registry, never in the model folder', async () => {
    await repository.setDesired('m', { state: 'UNLOADED', reason: 'r' });
    await pollUntil(() => last()[0] === '1:UNLOADED', { what: 'UNLOADED' });
    assert.deepEqual(await readdir(path.join(dir, 'models', 'm')), ['1', '2']);
    assert.deepEqual(await readdir(path.join(dir, 'registry', 'desired')), ['m.json']);
  });

  test('a poll reads and validates the plans only when a plan or a desired state changed', async () => {
    await pollUntil(() => last().length === 2, { what: 'm/1 and m/2' });
    let reads = 0;
    const read = repository.read.bind(repository);
    repository.read = () => {
      reads += 1;
      return read();
    };
    await new Promise((resolve) => setTimeout(resolve, 300)); // 15 polls of 20 ms
    assert.equal(reads, 0, 'nothing changed, yet the plans were read');
    await repository.setDesired('m', { state: 'UNLOADED', reason: 'test' });
    await pollUntil(() => reads > 0, { what: 'a read after the desired state changed' });
    await addVersion('3');
    await pollUntil(() => last().includes('3:UNLOADED'), { what: 'm/3' });
  });
});

void describe('FolderModelRepository: changes arrive through inotify, not the poll', () => {
  test('a new version and a desired state are seen at once though the polls are a minute apart', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'shardmesh-folder-watch-'));
    const version = async (v: string): Promise<void> => {
      await mkdir(path.join(dir, 'models', 'm', v), { recursive: true });
      await writeFile(path.join(dir, 'models', 'm', v, 'plan.json'), planJson(v));
    };
    await version('1');
    // Both polls a minute apart: within the test's few seconds only a watch can report a change.
    const repository = new FolderModelRepository(
      path.join(dir, 'models'),
      path.join(dir, 'registry', 'desired'),
      60_000,
      60_000,
    );
    const seen: (readonly PublishedVersion[])[] = [];
    const last = (): string[] => (seen.at(-1) ?? []).map((v) => `${v.plan.version}:${v.desired.state}`);
    repository.watch(
      (v) => seen.push(v),
      () => undefined,
    );
    try {
      await pollUntil(() => last().length === 1, { what: 'm/1 at the first read' });
      await version('2');
      await pollUntil(() => last().length === 2, { what: 'm/2 through the watch' });
      await writeFile(
        path.join(dir, 'models', 'm', '2', 'plan.json'),
        planJson('2').replace('"main"', '"main2"'),
      );
      await pollUntil(() => seen.at(-1)?.[1]?.plan.stages[0]?.name === 'main2', {
        what: 'a plan rewritten in its version folder',
      });
      await repository.setDesired('m', { state: 'UNLOADED', reason: 'r' });
      await pollUntil(() => last()[0] === '1:UNLOADED', { what: 'the desired state through the watch' });
    } finally {
      repository.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
