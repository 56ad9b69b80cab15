import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fanOutSlopeUs, renderReport } from './report.js';
import type { BenchResults, FanOutResult } from './results.js';

const point = (concurrency: number, p50Us: number, command: string) => ({
  concurrency,
  throughputPerSec: 1e6 / p50Us,
  p50Us,
  p90Us: p50Us,
  p99Us: p50Us * 2,
  stable: true,
  command,
});

const fanOut: FanOutResult = {
  shape: { inputDim: 4, hiddenDim: 8, outputDim: 4 },
  variants: [1, 2, 4, 8].map((partitions) => ({
    partitions,
    model: `fan-p${partitions}`,
    latency: {
      ...point(1, 1_000 + 500 * partitions, `pa -m fan-p${partitions}`),
      // The router spends 2 + 0.5 ms per partition, each shard 1 ms: 1.5 ms per extra partition.
      cost: {
        requests: 100,
        requestsFrom: 'router statistics' as const,
        wallMs: 1_000,
        processes: [
          { name: 'router', cpuMs: 0, cpuMsPerRequest: 2 + 0.5 * partitions },
          ...Array.from({ length: partitions }, (_, i) => ({
            name: `shard-${i}`,
            cpuMs: 0,
            cpuMsPerRequest: 1,
          })),
        ],
      },
    },
  })),
};

const results: BenchResults = {
  runId: 'test',
  quick: true,
  command: 'npm run bench -- --quick',
  startedAt: '2026-01-01T00:00:00Z',
  environment: {
    node: 'v20',
    os: 'Linux',
    cpu: 'cpu',
    cores: 2,
    memoryBytes: 1 << 30,
    shardmesh: '0.1.0',
    onnxruntimeNode: '1.30.0',
    perfAnalyzer: '2.60.0',
    peers: { kserve: { error: 'not installed: pip failed', configuration: 'defaults' } },
  },
  suites: {
    overhead: {
      models: [
        {
          name: 'cls',
          label: 'cls (small)',
          inputShape: [1, 3, 48, 192],
          targets: [
            {
              id: 'shardmesh-p1',
              label: 'shardmesh',
              setup: 'router + 1 shard',
              points: [point(1, 2_000, 'pa -m cls')],
            },
            {
              id: 'kserve',
              label: 'KServe',
              setup: 'defaults',
              points: [],
              error: 'not installed: pip failed',
            },
            { id: 'floor', label: 'floor', setup: 'in-process', points: [point(1, 1_000, 'npm run bench')] },
          ],
        },
      ],
    },
    largeTensors: { error: 'mesh did not start' },
    fanOut,
  },
  timingsSec: { total: 1 },
};

describe('report', () => {
  test('the fan-out slope is the latency each partition adds', () => {
    assert.equal(fanOutSlopeUs(fanOut), 500);
  });

  test('every figure names its command, and what failed says why', () => {
    const md = renderReport(results, undefined);
    assert.match(md, /\| shardmesh \| 2\.00 \| 4\.00 \| 500 \| \[1\] \|/);
    assert.match(md, /1\. `pa -m cls`/);
    assert.match(md, /KServe: \*\*not measured\*\*: not installed: pip failed/);
    assert.match(md, /## 2\. Large tensors\n\nFailed: mesh did not start/);
    assert.match(md, /shardmesh ÷ floor \| 2\.00×, 2\.00×, 0\.50×/);
    assert.match(md, /\*\*0\.50 ms per partition\*\* at p50/);
  });

  test('the fan-out section says what each partition costs in CPU, and what that adds on these cores', () => {
    const md = renderReport(results, undefined);
    // 8 partitions: router 6 ms, shards 8 ms per request, at 1e6 / 5000 µs = 200 inf/s: 2.8 cores.
    assert.match(
      md,
      /\| 8 \| 5\.00 \| 10\.0 \| 200 \| 3\.33× \| 0\.50 \| 6\.00 \| 8\.00 \| 2\.80 \| \[\d\] \|/,
    );
    assert.match(
      md,
      /CPU per extra partition .*\*\*1\.50 ms\*\*, of which the router's 0\.50 ms and the shards' 1\.00 ms/,
    );
    assert.match(md, /about \*\*0\.75 ms per partition\*\* \(1\.50 ÷ 2\)/);
  });

  test('the dynamic-batching section compares each model alone and batched, and says what failed', () => {
    const withBatching: BenchResults = {
      ...results,
      suites: {
        ...results.suites,
        dynamicBatching: {
          concurrency: 16,
          rounds: 2,
          maxBatchSize: 64,
          models: [
            {
              name: 'batch-mlp',
              label: 'dense MLP',
              alone: point(16, 4_000, 'pa -m batch-mlp'),
              batched: point(16, 1_000, 'pa -m batch-mlp-batched'),
              meanBatch: 7.5,
            },
            { name: 'batch-cls', label: 'cls', error: 'perf_analyzer failed' },
          ],
        },
      },
    };
    const md = renderReport(withBatching, undefined);
    assert.match(
      md,
      /\| dense MLP \| 250 \| 1000 \| 4\.00× \| 4\.00 \| 1\.00 \| 7\.5 \| – \/ – \| \[\d\] \[\d\] \|/,
    );
    assert.match(md, /- cls: \*\*not measured\*\*: perf_analyzer failed/);
    assert.match(md, /take turns, 2 times each, and each keeps its best window/);
    assert.match(md, /\d\. `pa -m batch-mlp-batched`/);
  });
});
