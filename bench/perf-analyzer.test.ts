import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { howItEnded, parseCsv, warmUp, WARM_UP_WINDOW_MS, type PerfAnalyzerRun } from './perf-analyzer.js';

// perf_analyzer 2.60.0's `-f` exports, as written against shardmesh (server statistics present)
// and against a peer whose statistics are all zero (server columns left out).
const WITH_SERVER =
  'Concurrency,Inferences/Second,Client Send,Network+Server Send/Recv,Server Queue,Server Compute Input,' +
  'Server Compute Infer,Server Compute Output,Client Recv,p50 latency,p90 latency,p95 latency,p99 latency\n' +
  '1,126.201,14,7805,0,0,0,0,3,5567,14936,20704,32292\n';
const CLIENT_ONLY =
  'Concurrency,Inferences/Second,Client Send,Client Recv,p50 latency,p90 latency,p95 latency,p99 latency\n' +
  '4,475.654,8,1,1773,2157,3938,7259\n';

describe('parseCsv', () => {
  test('reads columns by their header, whichever columns perf_analyzer wrote', () => {
    const [a] = parseCsv(WITH_SERVER);
    assert.equal(a?.['Concurrency'], '1');
    assert.equal(a?.['Inferences/Second'], '126.201');
    assert.equal(a?.['p50 latency'], '5567');
    assert.equal(a?.['p99 latency'], '32292');
    const [b] = parseCsv(CLIENT_ONLY);
    assert.equal(b?.['Concurrency'], '4');
    assert.equal(b?.['p99 latency'], '7259');
  });

  test('one row per load level, blank lines ignored', () => {
    const rows = parseCsv(`${CLIENT_ONLY}8,500,1,1,10,20,30,40\n\n`);
    assert.deepEqual(
      rows.map((r) => r['Concurrency']),
      ['4', '8'],
    );
  });
});

describe('warmUp', () => {
  const run = { target: { address: 'a:1', model: 'rec' }, inputData: 'in.json', outDir: '/tmp', label: 'x' };

  test('loads the target for the whole time in runs of short windows, so perf_analyzer never holds more than one window of answers', async () => {
    let now = 0;
    const runs: PerfAnalyzerRun[] = [];
    await warmUp(
      run,
      { seconds: 12, concurrency: 16 },
      (r) => {
        runs.push(r);
        // Each run takes its three windows (perf_analyzer's own start-up left out).
        now += 3 * (r.settings.windowMs ?? 0);
        return Promise.resolve({} as never);
      },
      () => now,
    );
    assert.ok(now >= 12_000, `loaded for ${now} ms`);
    assert.equal(runs.length, Math.ceil(12_000 / (3 * WARM_UP_WINDOW_MS)));
    for (const r of runs) {
      assert.equal(r.settings.windowMs, WARM_UP_WINDOW_MS);
      assert.equal(r.concurrency, 16);
      assert.equal(r.label, 'x-warmup');
    }
    assert.ok(WARM_UP_WINDOW_MS <= 1_000, "a window short enough to hold rec's 1 MiB answers at ~600/s");
  });

  test('runs at least once, however short', async () => {
    let calls = 0;
    await warmUp(
      run,
      { seconds: 0, concurrency: 4 },
      () => {
        calls++;
        return Promise.resolve({} as never);
      },
      () => 0,
    );
    assert.equal(calls, 1);
  });
});

describe('howItEnded', () => {
  test('says an exit status, a signal, and the kernel for a SIGKILL', () => {
    assert.equal(howItEnded(2), 'perf_analyzer failed (exit 2)');
    assert.match(
      howItEnded('SIGKILL'),
      /^perf_analyzer was killed by SIGKILL, most likely by the kernel for want of memory/,
    );
    assert.equal(howItEnded('SIGSEGV'), 'perf_analyzer was killed by SIGSEGV');
    assert.match(howItEnded('timed out'), /^perf_analyzer ran past 10 minutes and was stopped$/);
  });
});
