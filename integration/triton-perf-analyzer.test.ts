import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { storeTlsFiles } from '../certs/store.js';
import { makeCertificates, prepareTestModels, startMesh, type Mesh } from './harness/mesh.js';
import { runTool, toolPath } from './harness/tools.js';

/**
 * Triton's perf_analyzer against the router as a Triton user runs it: `-m simple`, no `--shape`
 * (the batch dim comes from max_batch_size, as `split` detects it) and no `-x` (perf_analyzer
 * finds the version whose `inference_stats.queue.count` grew during a window: the router counts
 * every successful request in each phase, model-statistics.ts), with only the address and TLS
 * flags added. perf_analyzer is installed by scripts/bootstrap.sh (scripts/tools/perf-analyzer.sh)
 * at .tools/bin/perf_analyzer.
 */
describe('perf_analyzer -m simple', () => {
  let certs: Awaited<ReturnType<typeof makeCertificates>>;
  let work: string;
  let mesh: Mesh;

  before(async () => {
    await prepareTestModels();
    certs = await makeCertificates([
      ['router', 'router'],
      ['client', 'client'],
      ['shard', 'shard-0'],
    ]);
    work = await mkdtemp(path.join(tmpdir(), 'shardmesh-perf-analyzer-'));
    mesh = await startMesh({
      registryUrl: `embedded:${path.join(work, 'registry')}`,
      certsDir: certs.dir,
      shards: [{ name: 'shard-0', serve: ['simple/*/*/*'] }],
      models: ['simple'],
    });
  });

  after(async () => {
    await mesh?.stop();
    await certs?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('runs with no --shape, and reads the server-side statistics', async () => {
    const tls = storeTlsFiles(certs.dir, 'client');
    const result = await runTool(
      toolPath('bin/perf_analyzer'),
      [
        ...['-m', 'simple', '-i', 'grpc', '-u', mesh.address],
        ...['--ssl-grpc-use-ssl', 'true', '--ssl-grpc-root-certifications-file', tls.caFile],
        ...['--ssl-grpc-private-key-file', tls.keyFile, '--ssl-grpc-certificate-chain-file', tls.certFile],
        // Short windows and loose stability: this checks that it runs, not how fast.
        ...['--concurrency-range', '1:1', '-p', '500', '-s', '100', '-r', '3'],
      ],
      120_000,
    );
    const output = `${result.stdout}\n${result.stderr}`;
    assert.equal(result.code, 0, output);
    assert.doesNotMatch(output, /dynamic shape/);
    const requests = Number(/Request count: (\d+)/.exec(result.stdout)?.[1]);
    assert.ok(requests > 0, output);
    assert.match(result.stdout, /Throughput: [\d.]+ infer\/sec/);
    // The server's own counts, which perf_analyzer reads from ModelStatistics for the version.
    const served = Number(/Server:\s+Inference count: (\d+)/.exec(result.stdout)?.[1]);
    assert.ok(served > 0, output);
  });
});
