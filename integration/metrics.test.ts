import { status as Status } from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DEMO_INPUT_WIDTH } from '../partition/models/demo-models.js';
import type { Tensor } from '../lib/tensor/tensor.js';
import { rawInferRequest } from './harness/compare.js';
import { makeCertificates, prepareTestModels, startMesh, type Mesh } from './harness/mesh.js';
import { startPrometheus, type PrometheusServer } from './harness/prometheus-server.js';

/** Requests sent; the success counter must say exactly this many. */
const N = 7;

const x = (datatype: 'FP32' | 'INT32'): Tensor => ({
  name: 'x',
  datatype,
  shape: [1, DEMO_INPUT_WIDTH],
  data: Buffer.from(new Float32Array(Array.from({ length: DEMO_INPUT_WIDTH }, (_, i) => i / 10)).buffer),
});

/**
 * A real Prometheus scrapes a real router and three shards (the demo `mlp`, split in two
 * partitions; partition 0 on two replicas) every second, and PromQL over its HTTP API sees what
 * the mesh did: Triton's counters per model, the partition-call histograms per replica, the
 * shards' own call counts.
 */
describe('Prometheus scrapes the router and the shards', () => {
  let certs: Awaited<ReturnType<typeof makeCertificates>>;
  let work: string;
  let mesh: Mesh;
  let prometheus: PrometheusServer;

  before(async () => {
    await prepareTestModels();
    certs = await makeCertificates([
      ['router', 'router'],
      ['client', 'client'],
      ['shard', 'shard-0'],
      ['shard', 'shard-1'],
      ['shard', 'shard-2'],
    ]);
    work = await mkdtemp(path.join(tmpdir(), 'shardmesh-metrics-'));
    mesh = await startMesh({
      registryUrl: `embedded:${path.join(work, 'registry')}`,
      certsDir: certs.dir,
      shards: [
        { name: 'shard-0', serve: ['mlp/*/*/0'] },
        { name: 'shard-1', serve: ['mlp/*/*/1'] },
        { name: 'shard-2', serve: ['mlp/*/*/0'] },
      ],
      models: ['mlp'],
    });
    const target = (port: number | undefined): string => {
      assert.equal(typeof port, 'number', 'every process reports its metrics port on its listening line');
      return `127.0.0.1:${port}`;
    };
    prometheus = await startPrometheus({
      router: [target(mesh.router.metricsPort)],
      shards: [...mesh.shards.values()].map((s) => target(s.metricsPort)),
    });
  });

  after(async () => {
    await prometheus?.stop();
    await mesh?.stop();
    await certs?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  /** Polls `promql` until `accept` takes its result (Prometheus scrapes every second). */
  async function eventually<T>(
    promql: string,
    accept: (result: { metric: Record<string, string>; value: number }[]) => T | undefined,
    timeoutMs = 30_000,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
      const result = await prometheus.query(promql);
      const accepted = accept(result);
      if (accepted !== undefined) return accepted;
      last = result;
      if (Date.now() > deadline)
        assert.fail(`${promql}: still ${JSON.stringify(last)} after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
  const single = (want: number) => (r: { value: number }[]) =>
    r.length === 1 && r[0]!.value === want ? want : undefined;

  test('every target is up', async () => {
    await eventually('sum(up)', single(4));
  });

  test(`after ${N} requests, nv_inference_request_success for the model is exactly ${N}`, async () => {
    for (let i = 0; i < N; i++) await mesh.client.call('ModelInfer', rawInferRequest('mlp', [x('FP32')]));
    await eventually('sum(nv_inference_request_success{job="router",model="mlp",version="1"})', single(N));
    await eventually('sum(nv_inference_count{model="mlp"})', single(N));
    await eventually('sum(nv_inference_exec_count{model="mlp"})', single(N));
    await eventually(
      'sum(shardmesh_inference_request_duration_seconds_count{model="mlp",outcome="success"})',
      single(N),
    );
    // Each request calls both partitions once: the shards counted 2N calls between them.
    await eventually('sum(shardmesh_shard_calls_total{job="shards",model="mlp"})', single(2 * N));
    await eventually('sum(shardmesh_shard_ort_run_duration_seconds_count{model="mlp"})', single(2 * N));
    const microseconds = await prometheus.query('sum(nv_inference_compute_infer_duration_us{model="mlp"})');
    assert.ok(microseconds[0]!.value > 0, 'compute_infer microseconds add up');
  });

  test('a bad request moves the failure counter and not the success counter', async () => {
    await eventually('sum(nv_inference_request_failure{model="mlp"})', single(0));
    await assert.rejects(
      mesh.client.call('ModelInfer', rawInferRequest('mlp', [x('INT32')])),
      (e: { code: number }) => {
        assert.equal(e.code, Status.INVALID_ARGUMENT);
        return true;
      },
    );
    await eventually('sum(nv_inference_request_failure{model="mlp"})', single(1));
    await eventually('sum(nv_inference_request_success{model="mlp"})', single(N));
  });

  test('partition-call histograms exist per replica, for both replicas of partition 0', async () => {
    const series = await eventually(
      'sum by (stage, partition, replica) (shardmesh_partition_call_duration_seconds_count{model="mlp"})',
      (r) => (r.length === 3 ? r : undefined),
    );
    const byPartition = (p: string): string[] =>
      series
        .filter((s) => s.metric['partition'] === p)
        .map((s) => s.metric['replica']!)
        .sort();
    const ids = (names: string[]): string[] => names.map((n) => mesh.shards.get(n)!.instanceId!);
    // A replica label is the registry id: the shard's instance id, then the partition.
    assert.deepEqual(
      byPartition('0')
        .map((r) => ids(['shard-0', 'shard-2']).find((id) => r.startsWith(id)))
        .sort(),
      ids(['shard-0', 'shard-2']).sort(),
    );
    assert.equal(byPartition('1').length, 1);
    assert.ok(byPartition('1')[0]!.startsWith(ids(['shard-1'])[0]!));
    // Partition 1 saw every request; partition 0's were shared by its two replicas.
    assert.equal(series.filter((s) => s.metric['partition'] === '1')[0]!.value, N);
    assert.equal(
      series.filter((s) => s.metric['partition'] === '0').reduce((n, s) => n + s.value, 0),
      N,
    );
    // Histograms, not averages: each replica's buckets, the +Inf one holding all its attempts.
    const buckets = await prometheus.query(
      'sum by (replica) (shardmesh_partition_call_duration_seconds_bucket{model="mlp",le="+Inf"})',
    );
    assert.equal(buckets.length, 3);
    assert.equal(
      buckets.reduce((n, b) => n + b.value, 0),
      2 * N,
    );
    const les = await prometheus.query(
      'count by (le) (shardmesh_partition_call_duration_seconds_bucket{model="mlp"})',
    );
    assert.ok(les.length > 10, `${les.length} buckets`);
  });

  test('mesh gauges: replicas per partition, in-flight budget, table age, certificate expiry', async () => {
    const replicas = await eventually('shardmesh_partition_replicas{model="mlp"}', (r) =>
      r.length === 2 ? r : undefined,
    );
    assert.deepEqual(replicas.map((r) => [r.metric['partition'], r.value]).sort(), [
      ['0', 2],
      ['1', 1],
    ]);
    await eventually('count(shardmesh_inflight_bytes_limit)', single(4));
    await eventually('sum(shardmesh_inflight_requests)', single(0));
    const age = await prometheus.query('shardmesh_routing_table_age_seconds');
    assert.equal(age.length, 1);
    const expiry = await prometheus.query('min(shardmesh_certificate_expiry_seconds) - time()');
    assert.ok(expiry[0]!.value > 86_400, `certificates expire in more than a day: ${expiry[0]!.value} s`);
    await eventually('count(shardmesh_certificate_expiry_seconds)', single(4));
  });
});
