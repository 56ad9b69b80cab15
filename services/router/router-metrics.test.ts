import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Plan } from '../../lib/plan/schema.js';
import type { ShardInstance } from '../../registry/registry.js';
import { ModelStatisticsBook } from './model-statistics.js';
import { RouterMetrics } from './router-metrics.js';
import { buildRoutingTable } from './routing-table.js';

const plan = {
  name: 'm',
  version: '1',
  stages: [{ name: 's', partitions: [{}, {}] }],
} as unknown as Plan;
const replica = (id: string, partition: number): ShardInstance => ({
  id,
  address: '127.0.0.1',
  port: 1,
  model: 'm',
  version: '1',
  stage: 's',
  partition,
  partitionCount: 2,
  identity: 'spiffe://x/shard/a',
});

const sample = (text: string, series: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

test("ModelStatisticsBook's records become Triton's counters and the latency histograms", async () => {
  const metrics = new RouterMetrics({ table: () => buildRoutingTable([]), plans: () => [plan] });
  const book = new ModelStatisticsBook(metrics.forModel);
  const phases = { computeInput: 1_000, queue: 2_000, computeInfer: 3_000_000, computeOutput: 4_000 };
  book.record('m', '1', true, 5_000_000, 4, phases);
  book.record('m', '1', true, 5_000_000, 2, phases);
  book.recordExecution('m', '1', 6, 3_000_000);
  book.record('m', '1', false, 1_000_000);
  const text = await metrics.registry.metrics();
  const labels = '{model="m",version="1"}';
  assert.equal(sample(text, `nv_inference_request_success${labels}`), 2);
  assert.equal(sample(text, `nv_inference_request_failure${labels}`), 1);
  assert.equal(sample(text, `nv_inference_count${labels}`), 6);
  assert.equal(sample(text, `nv_inference_exec_count${labels}`), 1);
  assert.equal(sample(text, `nv_inference_request_duration_us${labels}`), 10_000);
  assert.equal(sample(text, `nv_inference_queue_duration_us${labels}`), 4);
  assert.equal(sample(text, `nv_inference_compute_infer_duration_us${labels}`), 6_000);
  assert.equal(
    sample(
      text,
      'shardmesh_inference_request_duration_seconds_count{model="m",version="1",outcome="success"}',
    ),
    2,
  );
  assert.equal(
    sample(
      text,
      'shardmesh_inference_request_duration_seconds_bucket{le="0.005",model="m",version="1",outcome="success"}',
    ),
    2,
  );
  assert.equal(
    sample(
      text,
      'shardmesh_inference_request_duration_seconds_count{model="m",version="1",outcome="failure"}',
    ),
    1,
  );
});

test('partition calls by replica, retries by reason, replicas per partition (0 when missing), table age', async () => {
  let now = 1_000;
  const table = buildRoutingTable([replica('a', 0), replica('b', 0)]);
  const metrics = new RouterMetrics({ table: () => table, plans: () => [plan] }, () => now);
  const stage = plan.stages[0]!;
  const p0 = metrics.partitions.partition(plan, stage, 0);
  assert.equal(metrics.partitions.partition(plan, stage, 0), p0, 'resolved once, then kept');
  assert.equal(p0.replica(replica('a', 0)), p0.replica(replica('a', 0)));
  p0.replica(replica('a', 0)).ended(true, 2, 100, 40);
  p0.replica(replica('b', 0)).ended(false, 30, 100, 0);
  p0.retried('unavailable');
  now = 3_500;
  const text = await metrics.registry.metrics();
  const a = 'model="m",version="1",stage="s",partition="0",replica="a"';
  assert.equal(sample(text, `shardmesh_partition_call_duration_seconds_count{${a}}`), 1);
  assert.equal(sample(text, `shardmesh_partition_call_duration_seconds_bucket{le="0.0025",${a}}`), 1);
  assert.equal(sample(text, `shardmesh_partition_sent_bytes_total{${a}}`), 100);
  assert.equal(sample(text, `shardmesh_partition_received_bytes_total{${a}}`), 40);
  assert.equal(
    sample(
      text,
      'shardmesh_partition_call_failures_total{model="m",version="1",stage="s",partition="0",replica="b"}',
    ),
    1,
  );
  assert.equal(
    sample(
      text,
      'shardmesh_partition_retries_total{model="m",version="1",stage="s",partition="0",reason="unavailable"}',
    ),
    1,
  );
  assert.equal(
    sample(text, 'shardmesh_partition_replicas{model="m",version="1",stage="s",partition="0"}'),
    2,
  );
  assert.equal(
    sample(text, 'shardmesh_partition_replicas{model="m",version="1",stage="s",partition="1"}'),
    0,
  );
  assert.equal(sample(text, 'shardmesh_routing_table_age_seconds'), 2.5);
  assert.equal(metrics.partitions.window('a')!.activity(now).p50Ms, 2);
});
