import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ChildLogs } from '../harness/child-logs.js';
import { SHARDS, startFaultMesh, type FaultMesh } from '../harness/fault-mesh.js';
import { LoadGenerator } from '../harness/load-generator.js';

const SEED = 21;
const CONCURRENCY = 8;
const DEADLINE_MS = 5_000;
/** The load generator's pause after a failed request (its default). */
const PAUSE_AFTER_FAILURE_MS = 100;
/** The fault mesh's client reconnects with a backoff of at most 500 ms (+20 % jitter). */
const RECONNECT_SLACK_MS = 1_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Restarts of the mesh's control plane and of its router, under steady c=8 load with a 5 s client
 * deadline. Each test prints its counts.
 */
void describe('Consul and router restarts under load (real shards, router and Consul)', () => {
  let f: FaultMesh;
  before(async () => {
    f = await startFaultMesh(SEED);
  });
  after(() => f?.stop());

  const load = (seed: number): LoadGenerator =>
    new LoadGenerator({
      client: f.client,
      cases: f.cases,
      seed,
      concurrency: CONCURRENCY,
      deadlineMs: DEADLINE_MS,
      pauseAfterFailureMs: PAUSE_AFTER_FAILURE_MS,
    });

  const passingShards = async (): Promise<number> => {
    const url = `http://${f.consul.host}:${f.consul.httpPort}/v1/health/service/shardmesh-shard?passing`;
    return ((await (await fetch(url)).json()) as unknown[]).length;
  };

  void test('Consul restarted (down 2 s, back empty): 0 failed, 0 wrong, and every shard registers again', async () => {
    const generator = load(SEED);
    await sleep(3_000);
    await f.restartConsul(2_000);
    const until = Date.now() + 20_000;
    while ((await passingShards()) < SHARDS.length) {
      assert.ok(Date.now() < until, 'the shards registered again within 20 s');
      await sleep(250);
    }
    await sleep(2_000);
    const counts = await generator.stop();
    console.log(JSON.stringify({ scenario: 'Consul restart', ...counts }));
    assert.deepEqual(counts.failed, {});
    assert.equal(counts.refused, 0);
    assert.equal(counts.wrong, 0);
    assert.ok(counts.ok > 100, `only ${counts.ok} answers`);
  });

  void test('router restarted (SIGTERM, then a new one on the same port): clients reconnect; only refusals while no router listens, 0 other failures, 0 wrong', async () => {
    const generator = load(SEED + 1);
    await sleep(3_000);
    const restartAt = Date.now();
    const router = await f.mesh.restartRouter();
    const listeningAt = Date.now();
    ChildLogs.tap(router);
    await sleep(4_000);
    const counts = await generator.stop();
    const after = generator.outcomes.filter((o) => o.startedAtMs > listeningAt);
    // Refusals come only while no router listens, and for the client's reconnect backoff after;
    // a refused request fails at once and its caller pauses, so each caller is refused at most
    // once per pause in that time, plus once for the request it had open.
    const outageMs = listeningAt - restartAt + RECONNECT_SLACK_MS;
    const refusedBound = CONCURRENCY * (Math.ceil(outageMs / PAUSE_AFTER_FAILURE_MS) + 1);
    // Once the new router listens, a client reconnects within its 500 ms (+20 % jitter) backoff.
    const refusedLate = generator.outcomes.filter(
      (o) => o.refused && o.startedAtMs > listeningAt + RECONNECT_SLACK_MS,
    ).length;
    console.log(
      JSON.stringify({ scenario: 'router restart', ...counts, outageMs, refusedBound, refusedLate }),
    );
    assert.equal(refusedLate, 0, `refused more than ${RECONNECT_SLACK_MS} ms after the router listened`);
    assert.deepEqual(counts.failed, {});
    assert.equal(counts.wrong, 0);
    assert.ok(counts.refused <= refusedBound, `${counts.refused} refused, more than ${refusedBound}`);
    assert.ok(
      after.filter((o) => o.result === 'OK').length > 100,
      'the clients were served by the new router',
    );
  });
});
