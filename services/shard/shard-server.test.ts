import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { status as Status, type Client } from '@grpc/grpc-js';
import { runCertsInit, runCertsIssue } from '../../certs/cli.js';
import { channelCredentials, loadTlsFiles } from '../../certs/credentials.js';
import { storeTlsFiles } from '../../certs/store.js';
import type { ShardRequestKind } from '../../lib/grpc/shard-messages.js';
import { ShardServiceClient } from '../../lib/grpc/shard-service.js';
import { createLogger } from '../../lib/log.js';
import type { Tensor, TensorSpec } from '../../lib/tensor/tensor.js';
import type { ListedInstance, Registration, Registry, ShardInstance } from '../../registry/registry.js';
import type { ModelRunner } from './model-runner.js';
import { startShard, type RunningShard } from './shard-server.js';
import { replaceVersion } from '../../lib/plan/version-swap.js';
import { inferOnce, TestShardStream, type CallOutcome } from './shard-test-stream.js';

/**
 * A real shard server (mTLS on 127.0.0.1:0, certificates made here) with a stand-in runner whose
 * runs the test releases, so drain can be watched with a call held mid-run.
 */

/** y = x + 1; each run waits until the test calls `release`, or forever when `hang` is set. */
class GatedRunner implements ModelRunner {
  readonly inputs: readonly TensorSpec[] = [{ name: 'x', datatype: 'FP32', shape: [-1, 2] }];
  readonly outputNames = ['y'];
  readonly weightBytes = 0;
  readonly stopsEarly = true;
  readonly signals: AbortSignal[] = [];
  hang = false;
  #release: (() => void)[] = [];
  #waiting: { count: number; resolve: () => void }[] = [];

  run(inputs: readonly Tensor[], signal?: AbortSignal): Promise<Tensor[]> {
    this.signals.push(signal!);
    const due = this.#waiting.filter((w) => w.count <= this.signals.length);
    this.#waiting = this.#waiting.filter((w) => w.count > this.signals.length);
    for (const w of due) w.resolve();
    if (this.hang) return new Promise(() => undefined);
    const x = inputs[0]!;
    const y = Buffer.alloc(x.data.length);
    for (let i = 0; i < y.length; i += 4) y.writeFloatLE(x.data.readFloatLE(i) + 1, i);
    return new Promise((resolve) => this.#release.push(() => resolve([{ ...x, name: 'y', data: y }])));
  }

  /** Resolves once `count` runs have started in total. */
  started(count: number): Promise<void> {
    if (this.signals.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.#waiting.push({ count, resolve }));
  }

  release(): void {
    for (const go of this.#release.splice(0)) go();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** plan.json of model `m` version 1: y = f(x), one partition whose file is `file`. */
function planJson(file: string): string {
  const spec = { datatype: 'FP32', shape: [-1, 2] };
  return JSON.stringify({
    name: 'm',
    version: '1',
    inputs: [{ name: 'x', ...spec }],
    outputs: [{ name: 'y', ...spec }],
    stages: [
      {
        name: 'main',
        partitions: [{ file }],
        inputs: [{ name: 'x', scatter: { kind: 'replicate' } }],
        outputs: [{ name: 'y', gather: { kind: 'concat', axis: 0 } }],
      },
    ],
  });
}

/** Keeps registrations in memory and says when each was withdrawn. */
class MemoryRegistry implements Registry {
  readonly description = 'memory';
  readonly live = new Set<string>();
  #withdrawn: (() => void)[] = [];

  register(instance: ShardInstance): Promise<Registration> {
    this.live.add(instance.id);
    return Promise.resolve({
      setStatus: () => Promise.resolve(),
      deregister: () => {
        this.live.delete(instance.id);
        if (this.live.size === 0) for (const f of this.#withdrawn.splice(0)) f();
        return Promise.resolve();
      },
    });
  }

  /** Resolves once nothing is registered. */
  empty(): Promise<void> {
    return this.live.size === 0 ? Promise.resolve() : new Promise((resolve) => this.#withdrawn.push(resolve));
  }

  watch(): { close(): void } {
    return { close: () => undefined };
  }
  list(): Promise<readonly ListedInstance[]> {
    return Promise.resolve([]);
  }
  close(): void {}
}

type Outcome = CallOutcome;

const rejectAfter = (ms: number, what: string): Promise<never> =>
  new Promise((_, reject) =>
    setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting until ${what}`)), ms).unref(),
  );

void describe('shard drain on a real shard server', () => {
  let dir: string;
  const log = createLogger('test', 'silent');

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'shardmesh-drain-'));
    const quiet = (): void => undefined;
    await runCertsInit({ dir: path.join(dir, 'certs') }, quiet);
    await runCertsIssue({ dir: path.join(dir, 'certs'), role: 'shard', name: 'shard-0' }, quiet);
    await runCertsIssue({ dir: path.join(dir, 'certs'), role: 'router', name: 'router' }, quiet);
    const planDir = path.join(dir, 'models', 'm', '1');
    await mkdir(planDir, { recursive: true });
    await writeFile(path.join(planDir, 'plan.json'), planJson('never-opened.onnx'));
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function start(
    runner: GatedRunner,
    drainTimeoutMs: number,
  ): Promise<{ shard: RunningShard; registry: MemoryRegistry; client: Client }> {
    const registry = new MemoryRegistry();
    const shard = await startShard(
      {
        name: 'shard-0',
        modelRepository: path.join(dir, 'models'),
        serve: [{ model: 'm', version: '1', stage: '*', partition: '*' }],
        tls: storeTlsFiles(path.join(dir, 'certs'), 'shard-0'),
        drainTimeoutMs,
        testRunDelayMs: 0,
      },
      registry,
      log,
      { openRunner: () => Promise.resolve(runner) },
    );
    assert.equal(registry.live.size, 1);
    const tls = await loadTlsFiles(storeTlsFiles(path.join(dir, 'certs'), 'router'));
    const client = new ShardServiceClient(`127.0.0.1:${shard.port}`, channelCredentials(tls));
    return { shard, registry, client };
  }

  /** The messages of one call of x = [[1, 2]] from the router's side. */
  function request(requestId: string): ShardRequestKind[] {
    const x = Buffer.alloc(8);
    x.writeFloatLE(1, 0);
    x.writeFloatLE(2, 4);
    return [
      {
        kind: 'header',
        header: {
          request_id: requestId,
          model: 'm',
          version: '1',
          stage: 'main',
          partition: 0,
          inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 2] }],
        },
      },
      { kind: 'chunk', chunk: { tensor: 0, offset: 0, data: x } },
    ];
  }

  /** One Infer call on a stream of its own; resolves when it has ended. */
  function infer(client: Client, requestId: string): Promise<Outcome> {
    return inferOnce(client, request(requestId));
  }

  void test(
    'drain: the call in flight finishes on this shard, a new call gets UNAVAILABLE "draining", and the shard deregisters first',
    { timeout: 30_000 },
    async () => {
      const runner = new GatedRunner();
      const { shard, registry, client } = await start(runner, 30_000);
      try {
        const inFlight = infer(client, 'in-flight');
        await runner.started(1);
        let drainEnded = false;
        const drained = shard.drain().then(() => (drainEnded = true));
        await Promise.race([registry.empty(), rejectAfter(5_000, 'the shard deregistered')]);
        assert.equal(drainEnded, false, 'drain waits for the call in flight');

        const refused = await Promise.race([infer(client, 'new'), rejectAfter(5_000, 'the new call ended')]);
        assert.equal(refused.error?.code, Status.UNAVAILABLE, refused.error?.details);
        assert.match(refused.error.details, /is draining; send to another replica/);
        assert.equal(runner.signals.length, 1, 'the refused call never reached the runner');

        runner.release();
        const done = await inFlight;
        assert.equal(done.error, undefined, done.error?.details);
        const chunk = done.messages.find((m) => m.kind === 'chunk');
        assert.ok(chunk?.kind === 'chunk');
        assert.deepEqual([chunk.chunk.data.readFloatLE(0), chunk.chunk.data.readFloatLE(4)], [2, 3]);
        const trailer = done.messages.at(-1);
        assert.ok(trailer?.kind === 'trailer', `last message is ${trailer?.kind}`);
        assert.equal(trailer.trailer.instance_id, shard.instanceId, 'answered by the draining shard');
        assert.equal(runner.signals[0]!.aborted, false, 'the run was not cut off');
        await Promise.race([drained, rejectAfter(5_000, 'drain finished after its last call')]);
      } finally {
        client.close();
      }
    },
  );

  void test(
    'drain on a shared stream: a new call on it is refused in-band with UNAVAILABLE, the one in flight finishes, then the shard ends the stream with OK',
    { timeout: 30_000 },
    async () => {
      const runner = new GatedRunner();
      const { shard, client } = await start(runner, 30_000);
      try {
        const stream = new TestShardStream(client);
        const inFlight = stream.call(1, request('in-flight'));
        await runner.started(1);
        // drain() refuses new calls from its first step, before it awaits anything.
        const drained = shard.drain();
        const refused = await stream.call(2, request('new'));
        assert.equal(refused.error?.code, Status.UNAVAILABLE, refused.error?.details);
        assert.match(refused.error.details, /is draining; send to another replica/);
        runner.release();
        const done = await inFlight;
        assert.equal(done.error, undefined, done.error?.details);
        assert.equal(done.messages.at(-1)?.kind, 'trailer');
        assert.equal((await stream.status).code, Status.OK, 'the shard ended the stream with OK');
        await Promise.race([drained, rejectAfter(5_000, 'drain finished after its last call')]);
      } finally {
        client.close();
      }
    },
  );

  void test(
    'drain timeout: a hung call ends with UNAVAILABLE at drainTimeoutMs, its run is aborted, and drain resolves',
    { timeout: 30_000 },
    async () => {
      const runner = new GatedRunner();
      runner.hang = true;
      const drainTimeoutMs = 400;
      const { shard, client } = await start(runner, drainTimeoutMs);
      try {
        const hung = infer(client, 'hung');
        await runner.started(1);
        const t0 = performance.now();
        await Promise.race([shard.drain(), rejectAfter(drainTimeoutMs + 5_000, 'drain finished')]);
        const elapsedMs = performance.now() - t0;
        assert.ok(elapsedMs >= drainTimeoutMs - 5, `drain took ${elapsedMs} ms, before its timeout`);
        const outcome = await hung;
        assert.equal(outcome.error?.code, Status.UNAVAILABLE, outcome.error?.details);
        assert.match(outcome.error.details, /drain timeout of 400 ms passed/);
        assert.deepEqual(outcome.messages, []);
        assert.equal(runner.signals[0]!.aborted, true, "the hung run's signal was aborted");
      } finally {
        client.close();
      }
    },
  );
});

void describe('a shard whose version is replaced while it loads', () => {
  test('reads the plans again and loads the new version instead of failing on the removed files', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'shardmesh-swap-'));
    try {
      const quiet = (): void => undefined;
      await runCertsInit({ dir: path.join(dir, 'certs') }, quiet);
      await runCertsIssue({ dir: path.join(dir, 'certs'), role: 'shard', name: 'shard-0' }, quiet);
      const versionDir = path.join(dir, 'models', 'm', '1');
      /** A version whose one partition file is `file`, written as `split` writes versions. */
      const writeVersion = (file: string): Promise<void> =>
        replaceVersion(versionDir, async (folder) => {
          await writeFile(path.join(folder, file), 'weights');
          await writeFile(path.join(folder, 'plan.json'), planJson(file));
        });
      await writeVersion('old.onnx');
      const opened: string[] = [];
      const registry = new MemoryRegistry();
      const shard = await startShard(
        {
          name: 'shard-0',
          modelRepository: path.join(dir, 'models'),
          serve: [{ model: 'm', version: '1', stage: '*', partition: '*' }],
          tls: storeTlsFiles(path.join(dir, 'certs'), 'shard-0'),
          testRunDelayMs: 0,
        },
        registry,
        createLogger('test', 'silent'),
        {
          // The first open finds a split replacing the version under it: the old file is gone.
          openRunner: async (p) => {
            if (opened.length === 0) await writeVersion('new.onnx');
            opened.push(path.basename(p.file));
            await readFile(p.file);
            return new GatedRunner();
          },
        },
      );
      assert.deepEqual(opened, ['old.onnx', 'new.onnx']);
      assert.equal(registry.live.size, 1, 'it registered, serving the new version');
      await shard.drain();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
