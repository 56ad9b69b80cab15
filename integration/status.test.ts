import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CLI_ENTRY } from '../cli/paths.js';
import type { MeshStatus, PartitionStatus } from '../cli/mesh-status.js';
import { DEMO_INPUT_WIDTH } from '../partition/models/demo-models.js';
import { rawInferRequest } from './harness/compare.js';
import {
  makeCertificates,
  prepareTestModels,
  startMesh,
  TEST_MODELS_DIR,
  type Mesh,
} from './harness/mesh.js';
import { runTool } from './harness/tools.js';
import { startConsulAgent, type ConsulAgent } from './harness/consul-agent.js';

/**
 * `shardmesh status` against a real mesh, with the embedded registry and with a real Consul agent:
 * the demo `mlp` with partition 0 on one shard and partition 1 on two. It lists every partition's
 * replicas with their health and the router's view of them; once the only replica of partition 0
 * is SIGKILLed (no drain, no deregistration: its heartbeats just stop, its TTL check goes
 * critical), partition 0 is reported missing, with that replica still listed as critical and the
 * registry's reason.
 */
for (const registryKind of ['embedded', 'consul'] as const) statusSuite(registryKind);

function statusSuite(registryKind: 'embedded' | 'consul'): void {
  describe(`shardmesh status (${registryKind} registry)`, () => {
    let certs: Awaited<ReturnType<typeof makeCertificates>>;
    let work: string;
    let mesh: Mesh;
    let registryUrl: string;
    let consul: ConsulAgent | undefined;

    before(async () => {
      await prepareTestModels();
      certs = await makeCertificates([
        ['router', 'router'],
        ['client', 'client'],
        ['shard', 'shard-0'],
        ['shard', 'shard-1'],
        ['shard', 'shard-2'],
      ]);
      work = await mkdtemp(path.join(tmpdir(), 'shardmesh-status-'));
      if (registryKind === 'consul') consul = await startConsulAgent();
      registryUrl = consul?.url ?? `embedded:${path.join(work, 'registry')}`;
      mesh = await startMesh({
        registryUrl,
        certsDir: certs.dir,
        shards: [
          { name: 'shard-0', serve: ['mlp/*/*/0'] },
          { name: 'shard-1', serve: ['mlp/*/*/1'] },
          { name: 'shard-2', serve: ['mlp/*/*/1'] },
        ],
        models: ['mlp'],
      });
    });

    after(async () => {
      await mesh?.stop();
      await consul?.stop();
      await certs?.cleanup();
      if (work) await rm(work, { recursive: true, force: true });
    });

    const statusArgs = (): string[] => [
      CLI_ENTRY,
      'status',
      '--registry',
      registryUrl,
      '--router',
      `127.0.0.1:${mesh.router.metricsPort}`,
      '--models',
      TEST_MODELS_DIR,
      '--certs',
      certs.dir,
    ];
    async function status(): Promise<MeshStatus> {
      const result = await runTool(process.execPath, [...statusArgs(), '--json'], 30_000);
      assert.equal(result.code, 0, result.stderr);
      return JSON.parse(result.stdout) as MeshStatus;
    }
    const mlp = (s: MeshStatus): readonly PartitionStatus[] => {
      const model = s.models.find((m) => m.model === 'mlp' && m.version === '1');
      assert.ok(model, 'mlp/1 is listed');
      assert.deepEqual(
        model.stages.map((st) => st.stage),
        ['mlp-0'],
      );
      return model.stages[0]!.partitions;
    };
    const id = (name: string): string => mesh.shards.get(name)!.instanceId!;

    test('--json lists every partition of mlp with its replicas, all passing, and the router view', async () => {
      const x = Buffer.from(new Float32Array(DEMO_INPUT_WIDTH).fill(0.5).buffer);
      for (let i = 0; i < 4; i++)
        await mesh.client.call(
          'ModelInfer',
          rawInferRequest('mlp', [{ name: 'x', datatype: 'FP32', shape: [1, DEMO_INPUT_WIDTH], data: x }]),
        );
      const s = await status();
      const [p0, p1] = mlp(s);
      assert.equal(p0!.missing, false);
      assert.deepEqual(
        p0!.replicas.map((r) => [r.instance.startsWith(id('shard-0')), r.health]),
        [[true, 'passing']],
      );
      assert.equal(p1!.missing, false);
      assert.deepEqual(
        p1!.replicas.map((r) => r.health),
        ['passing', 'passing'],
      );
      assert.deepEqual(
        p1!.replicas
          .map((r) => [id('shard-1'), id('shard-2')].findIndex((i) => r.instance.startsWith(i)))
          .sort(),
        [0, 1],
      );
      // The router called partition 0's only replica 4 times in the last minute.
      assert.ok(p0!.replicas[0]!.requestsPerSecond > 0);
      assert.equal(typeof p0!.replicas[0]!.p50Ms, 'number');
      assert.equal(p0!.replicas[0]!.inFlight, 0);
      assert.ok(
        !s.missing.some((m) => m.startsWith('mlp/')),
        `nothing of mlp missing: ${s.missing.join(', ')}`,
      );
      assert.equal(s.routers.length, 1);
      assert.equal(s.routers[0]!.ok, true);
      assert.ok(s.certificates.some((c) => c.name === 'router' && Date.parse(c.notAfter) > Date.now()));
    });

    test('without --router it asks the local mesh default, 127.0.0.1:8002', async () => {
      const withoutRouter = statusArgs().filter(
        (_, i, all) => all[i] !== '--router' && all[i - 1] !== '--router',
      );
      const result = await runTool(process.execPath, [...withoutRouter, '--json'], 30_000);
      assert.equal(result.code, 0, result.stderr);
      const s = JSON.parse(result.stdout) as MeshStatus;
      assert.deepEqual(
        s.routers.map((r) => r.address),
        ['127.0.0.1:8002'],
      );
      assert.equal(mlp(s).length, 2);
    });

    test('a partition whose only replica was SIGKILLed is missing, its replica critical, in the JSON and in red text', async () => {
      mesh.shards.get('shard-0')!.process.kill('SIGKILL');
      await mesh.shards.get('shard-0')!.exited;
      const deadline = Date.now() + 30_000;
      let s = await status();
      while (!mlp(s)[0]!.missing) {
        assert.ok(Date.now() < deadline, 'partition 0 is reported missing within 30 s of the kill');
        await new Promise((resolve) => setTimeout(resolve, 500));
        s = await status();
      }
      const [p0, p1] = mlp(s);
      assert.deepEqual(
        p0!.replicas.map((r) => [r.instance.startsWith(id('shard-0')), r.health]),
        [[true, 'critical']],
      );
      // The embedded registry's words, or Consul's TTL check output.
      assert.match(p0!.replicas[0]!.note ?? '', /heartbeat expired|TTL expired/);
      assert.ok(s.missing.includes('mlp/1/mlp-0/0'));
      assert.ok(!s.missing.includes('mlp/1/mlp-0/1'));
      assert.equal(p1!.replicas.length, 2);

      const text = await runTool(process.execPath, statusArgs(), 30_000, {
        env: { ...process.env, FORCE_COLOR: '1' },
      });
      assert.equal(text.code, 0, text.stderr);
      const line = text.stdout.split('\n').find((l) => l.includes('mlp/1') && l.includes('MISSING'));
      assert.ok(line, text.stdout);
      assert.ok(line.startsWith('\u001b[31m'), `the missing row is red: ${JSON.stringify(line)}`);
      assert.match(line, /no passing replica; 1 critical below/);
      const replica = text.stdout.split('\n').find((l) => l.includes(id('shard-0')));
      assert.match(replica ?? '', /^\u001b\[33m.* critical \((heartbeat|TTL) expired/, text.stdout);
    });
  });
}
