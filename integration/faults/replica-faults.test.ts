import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ATTEMPT_CEILING_MS, startFaultMesh, type FaultMesh } from '../harness/fault-mesh.js';
import { LoadGenerator } from '../harness/load-generator.js';

const SEED = 9;
const CONCURRENCY = 8;
const DEADLINE_MS = 5_000;
/** The router's first retry waits up to retryInitialBackoffMs (default 10). */
const FIRST_BACKOFF_MS = 10;
/**
 * Allowance for the healthy attempt that follows a timed-out one: an mlp request takes a few ms,
 * but this machine's 2 cores are shared with 4 shards, Consul, the router and other test runs.
 */
const HEALTHY_ATTEMPT_MS = 1_500;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Faults of one replica out of two, under steady c=8 load with a 5 s client deadline: no request
 * fails, none is answered wrong. Each test prints its counts.
 */
void describe('replica faults under load (real shards, router and Consul)', () => {
  let f: FaultMesh;
  before(async () => {
    f = await startFaultMesh(SEED);
  });
  after(() => f?.stop());

  void test('SIGSTOP of one of two replicas for longer than the deadline, then SIGCONT: 0 failed, none slower than the attempt ceiling plus one healthy attempt', async () => {
    const logs = f.routerLogs();
    const mark = logs.lines.length;
    const load = new LoadGenerator({
      client: f.client,
      cases: f.cases,
      seed: SEED,
      concurrency: CONCURRENCY,
      deadlineMs: DEADLINE_MS,
    });
    await sleep(4_000);
    const hung = f.mesh.shards.get('p1-a')!;
    hung.process.kill('SIGSTOP');
    await sleep(DEADLINE_MS + 2_000);
    hung.process.kill('SIGCONT');
    await sleep(3_000);
    const counts = await load.stop();
    const boundMs = ATTEMPT_CEILING_MS + FIRST_BACKOFF_MS + HEALTHY_ATTEMPT_MS;
    const slower = load.outcomes.filter((o) => o.latencyMs > boundMs).length;
    const lines = logs.lines.slice(mark);
    const attemptTimeouts = lines.filter((l) => /attempt timeout/.test(String(l['err']))).length;
    const ejections = lines.filter((l) => l.msg === 'replica ejected after consecutive failures').length;
    console.log(
      JSON.stringify({ scenario: 'SIGSTOP', ...counts, boundMs, slower, attemptTimeouts, ejections }),
    );
    assert.ok(attemptTimeouts > 0, 'calls were in flight on the stopped replica and timed out');
    assert.deepEqual(counts.failed, {});
    assert.equal(counts.refused, 0);
    assert.equal(counts.wrong, 0);
    assert.equal(slower, 0, `requests slower than ${boundMs} ms`);
    assert.ok(counts.ok > 100, `only ${counts.ok} answers`);
  });

  void test('SIGKILL of one of two replicas: 0 failed, 0 wrong', async () => {
    const load = new LoadGenerator({
      client: f.client,
      cases: f.cases,
      seed: SEED + 1,
      concurrency: CONCURRENCY,
      deadlineMs: DEADLINE_MS,
    });
    await sleep(3_000);
    f.mesh.shards.get('p0-a')!.process.kill('SIGKILL');
    await sleep(5_000);
    const counts = await load.stop();
    console.log(JSON.stringify({ scenario: 'SIGKILL', ...counts }));
    assert.deepEqual(counts.failed, {});
    assert.equal(counts.refused, 0);
    assert.equal(counts.wrong, 0);
    assert.ok(counts.ok > 100, `only ${counts.ok} answers`);
  });
});
