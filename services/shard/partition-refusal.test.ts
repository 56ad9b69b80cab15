import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { runCertsInit, runCertsIssue } from '../../certs/cli.js';
import { storeTlsFiles } from '../../certs/store.js';
import { SealError } from '../../lib/seal/seal-error.js';
import type { Tensor } from '../../lib/tensor/tensor.js';
import type { ListedInstance, Registration, Registry, ShardInstance } from '../../registry/registry.js';
import type { ModelRunner } from './model-runner.js';
import type { ServedPartition } from './partition-catalog.js';
import { startShard } from './shard-server.js';

/**
 * How a real shard server treats partitions it refuses at load (a SealError from opening them):
 * each is logged on one line with its file and reason and never registered; the rest are served.
 * The crypto behind the refusals is lib/seal's, tested there and over real processes in
 * integration/sealed-partitions.test.ts.
 */

class Identity implements ModelRunner {
  readonly inputs = [{ name: 'x', datatype: 'FP32' as const, shape: [-1] }];
  readonly outputNames = ['y'];
  readonly weightBytes = 0;
  run(inputs: readonly Tensor[]): Promise<Tensor[]> {
    return Promise.resolve(inputs.map((t) => ({ ...t, name: 'y' })));
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

class MemoryRegistry implements Registry {
  readonly description = 'memory';
  readonly live: ShardInstance[] = [];
  register(instance: ShardInstance): Promise<Registration> {
    this.live.push(instance);
    return Promise.resolve({ setStatus: () => Promise.resolve(), deregister: () => Promise.resolve() });
  }
  watch(): { close(): void } {
    return { close: () => undefined };
  }
  list(): Promise<readonly ListedInstance[]> {
    return Promise.resolve([]);
  }
  close(): void {}
}

/** plan.json of model `name` version 1: one stage of two partitions. */
function planJson(name: string): string {
  const spec = { datatype: 'FP32', shape: [-1] };
  return JSON.stringify({
    name,
    version: '1',
    inputs: [{ name: 'x', ...spec }],
    outputs: [{ name: 'y', ...spec }],
    stages: [
      {
        name: 'main',
        partitions: [{ file: 'p0.onnx' }, { file: 'p1.onnx' }],
        inputs: [{ name: 'x', scatter: { kind: 'split', axis: 0 } }],
        outputs: [{ name: 'y', gather: { kind: 'concat', axis: 0 } }],
      },
    ],
  });
}

void describe('a shard refusing some of its partitions at load', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'shardmesh-refusal-'));
    const quiet = (): void => undefined;
    await runCertsInit({ dir: path.join(dir, 'certs') }, quiet);
    await runCertsIssue({ dir: path.join(dir, 'certs'), role: 'shard', name: 'shard-0' }, quiet);
    for (const model of ['good', 'bad']) {
      await mkdir(path.join(dir, 'models', model, '1'), { recursive: true });
      await writeFile(path.join(dir, 'models', model, '1', 'plan.json'), planJson(model));
    }
  });
  after(() => rm(dir, { recursive: true, force: true }));

  /** Starts a shard serving partition 0 of both models; `refuse` says which partitions throw. */
  function start(refuse: (p: ServedPartition) => boolean, registry: Registry, lines: object[]) {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const text of chunk.toString().split('\n').filter(Boolean))
          lines.push(JSON.parse(text) as object);
        done();
      },
    });
    return startShard(
      {
        name: 'shard-0',
        modelRepository: path.join(dir, 'models'),
        serve: [{ model: '*', version: '1', stage: '*', partition: '0' }],
        tls: storeTlsFiles(path.join(dir, 'certs'), 'shard-0'),
        testRunDelayMs: 0,
      },
      registry,
      pino({ level: 'info' }, sink),
      {
        openRunner: (p) =>
          refuse(p)
            ? Promise.reject(new SealError(p.file, 'changed', 'changed since it was sealed: test'))
            : Promise.resolve(new Identity()),
      },
    );
  }

  test('the refused partition is logged with its file and reason and not registered; the other is', async () => {
    const registry = new MemoryRegistry();
    const lines: object[] = [];
    const shard = await start((p) => p.model === 'bad', registry, lines);
    try {
      assert.deepEqual(
        registry.live.map((r) => `${r.model}/${r.partition}`),
        ['good/0'],
      );
      const refused = lines.filter((l) => (l as { msg?: string }).msg === 'partition refused');
      assert.equal(refused.length, 1);
      assert.deepEqual(
        (({ partition, file, failure, reason }) => ({ partition, file, failure, reason }))(
          refused[0] as Record<string, unknown>,
        ),
        {
          partition: 'bad/1/main/0',
          file: path.join(dir, 'models', 'bad', '1', 'p0.onnx'),
          failure: 'changed',
          reason: 'changed since it was sealed: test',
        },
      );
    } finally {
      await shard.drain();
    }
  });

  test('when every partition is refused the shard does not start, naming each file and reason', async () => {
    const registry = new MemoryRegistry();
    // A shard that starts anyway is drained, so the failed test does not hold the process open.
    const started = start(() => true, registry, []).then(async (shard) => void (await shard.drain()));
    await assert.rejects(started, (error: unknown) => {
      assert.match(String(error), /every partition --serve selects was refused: /);
      assert.match(String(error), /bad\/1\/p0\.onnx: changed since it was sealed: test/);
      assert.match(String(error), /good\/1\/p0\.onnx: changed since it was sealed: test/);
      return true;
    });
    assert.deepEqual(registry.live, []);
  });
});
