import { status as Status } from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadTlsFiles } from '../certs/credentials.js';
import { storeTlsFiles } from '../certs/store.js';
import type { PreparedRepository } from '../partition/models/demo-models.js';
import { randomTensor } from '../partition/models/synthetic.js';
import { relativeMaxError, runModel } from '../partition/verify/verify.js';
import { ChildLogs, message, type LogLine } from './harness/child-logs.js';
import { rawInferRequest, type InferResponse } from './harness/compare.js';
import { startConsulAgent, type ConsulAgent } from './harness/consul-agent.js';
import { makeCertificates, prepareTestModels, startMesh, type Mesh } from './harness/mesh.js';
import { probeShard } from './harness/shard-probe.js';

interface ConsulEntry {
  Service: { ID: string; Port: number };
  Checks: { ServiceID: string; Status: string }[];
}

/** Test-only run delays (SHARDMESH_TEST_RUN_DELAY_MS): how long a call stays in flight on a shard. */
const KILLED_REPLICA_DELAY_MS = 1_000;
const DRAINED_REPLICA_DELAY_MS = 3_000;

/** A shard process's environment: debug logs (its per-call lines), and a run delay if given. */
const shardEnv = (delayMs?: number): Record<string, string> => ({
  SHARDMESH_LOG_LEVEL: 'debug',
  ...(delayMs ? { SHARDMESH_TEST_RUN_DELAY_MS: String(delayMs) } : {}),
});

/** A shard's log line about one partition call, as `requestId partition`. */
const callKey = (line: LogLine): string => `${String(line['requestId'])} ${String(line['partition'])}`;

/**
 * Replicas of a partition in Consul: losing one, abruptly or gracefully, loses no request. Every
 * child's log is read: which shard ran which call is what the shards themselves say.
 */
describe('replicas registered in a real Consul agent', () => {
  let consul: ConsulAgent;
  let certs: Awaited<ReturnType<typeof makeCertificates>>;
  let mesh: Mesh;
  let models: PreparedRepository;
  const logs = (name: string): ChildLogs =>
    ChildLogs.tap(name === 'router' ? mesh.router : mesh.shards.get(name)!);

  before(async () => {
    models = await prepareTestModels();
    consul = await startConsulAgent();
    certs = await makeCertificates([
      ['router', 'router'],
      ['client', 'client'],
      ...['a', 'b', 'c', 'd', 'e'].map((n) => ['shard', `shard-${n}`] as const),
    ]);
    mesh = await startMesh({
      registryUrl: consul.url,
      certsDir: certs.dir,
      logs: 'pipe',
      // The router's info lines include 'routing table updated'; shards that need more say so.
      logLevel: 'info',
      shards: [
        { name: 'shard-a', serve: ['mlp/1/*/0'] },
        { name: 'shard-b', serve: ['mlp/1/*/1'], env: shardEnv() },
        { name: 'shard-c', serve: ['mlp/1/*/1'], env: shardEnv(KILLED_REPLICA_DELAY_MS) },
        { name: 'shard-d', serve: ['outer/1/*/*'], env: shardEnv(DRAINED_REPLICA_DELAY_MS) },
        { name: 'shard-e', serve: ['outer/1/*/*'], env: shardEnv(DRAINED_REPLICA_DELAY_MS) },
      ],
    });
    for (const name of ['router', ...mesh.shards.keys()]) logs(name);
    await mesh.waitForModel('mlp');
    await mesh.waitForModel('outer');
  });

  after(async () => {
    await mesh?.stop();
    await consul?.stop();
    await certs?.cleanup();
  });

  const entries = async (): Promise<ConsulEntry[]> =>
    (await (
      await fetch(`http://${consul.host}:${consul.httpPort}/v1/health/service/shardmesh-shard`)
    ).json()) as ConsulEntry[];

  const pollUntil = async (
    what: string,
    check: () => Promise<boolean>,
    timeoutMs = 20_000,
  ): Promise<void> => {
    const until = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > until) assert.fail(`${what} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  test('SIGKILL of one of two replicas: calls in flight on it are retried on the survivor, and Consul marks it critical', async () => {
    const x = randomTensor('x', [2, 8], 9);
    const [expected] = await runModel(models.models.mlp.original, [x]);
    const killed = mesh.shards.get('shard-c')!;
    const [survivorLogs, killedLogs] = [logs('shard-b'), logs('shard-c')];
    const total = 220;
    const workers = 4;
    const completed = new Set<string>();
    let sent = 0;
    // Four callers at once, 220 requests in all: at the kill, calls are open on both replicas.
    const worker = async (): Promise<void> => {
      while (sent < total) {
        const id = `kill-${sent++}`;
        const response = await mesh.client.call<InferResponse>('ModelInfer', {
          ...rawInferRequest('mlp', [x]),
          id,
        });
        assert.ok(
          relativeMaxError({ ...expected!, data: response.raw_output_contents[0]! }, expected!) <= 1e-5,
          `${id}: wrong answer`,
        );
        completed.add(id);
      }
    };
    const running = Promise.all(Array.from({ length: workers }, worker));
    // Kill once 20 requests have been answered and shard-c has just started a run: runs there are
    // held KILLED_REPLICA_DELAY_MS, so one that began less than half of that ago is surely still
    // in flight (a line read from the pipe may be late; a fresh timestamp is what counts).
    const inFlight = (): LogLine[] =>
      killedLogs
        .filter((l) => l.msg === 'shard infer running')
        .filter((l) => Number(l['time']) > Date.now() - KILLED_REPLICA_DELAY_MS / 2)
        .filter((l) => !completed.has(String(l['requestId'])));
    await ChildLogs.until(
      'shard-c running a call after 20 answers',
      [killedLogs, survivorLogs],
      () => completed.size >= 20 && inFlight().length > 0,
    );
    const onKilled = inFlight().map((l) => String(l['requestId']));
    killed.process.kill('SIGKILL');
    await running;
    assert.equal(completed.size, total);
    assert.equal(await killed.exited, 'SIGKILL');
    for (const id of onKilled) {
      assert.equal(killedLogs.filter(message('shard infer done', id)).length, 0, `${id} finished on shard-c`);
      assert.equal(
        survivorLogs.filter(message('shard infer done', id)).length,
        1,
        `${id}, in flight on the killed shard-c, was answered by shard-b`,
      );
    }
    await pollUntil('the killed replica turns critical in Consul', async () =>
      (await entries()).some(
        (e) =>
          e.Service.Port === killed.port &&
          e.Checks.some((c) => c.ServiceID === e.Service.ID && c.Status === 'critical'),
      ),
    );
    const passing = (await entries())
      .filter((e) => e.Checks.every((c) => c.Status === 'passing'))
      .map((e) => e.Service.Port);
    assert.ok(passing.includes(mesh.shards.get('shard-b')!.port));
    assert.ok(!passing.includes(killed.port));
  });

  test('SIGTERM of a shard: its in-flight calls finish on it, new calls are refused and served elsewhere, and it is deregistered', async () => {
    const a = randomTensor('a', [4096, 1], 4);
    const [expected] = await runModel(models.models.outer.original, [a]);
    const draining = mesh.shards.get('shard-d')!;
    const [drainingLogs, otherLogs] = [logs('shard-d'), logs('shard-e')];
    const call = (id: string): Promise<InferResponse> =>
      mesh.client.call<InferResponse>('ModelInfer', { ...rawInferRequest('outer', [a]), id }, 60_000);
    const running = (l: ChildLogs, prefix: string): Set<string> =>
      new Set(
        l
          .filter((line) => line.msg === 'shard infer running')
          .filter((line) => String(line['requestId']).startsWith(prefix))
          .map(callKey),
      );

    // Four requests of two partitions each: wait until all eight partition calls run, on d or e.
    const early = ['early-0', 'early-1', 'early-2', 'early-3'];
    const earlyCalls = early.map(call);
    await ChildLogs.until(
      'all 8 partition calls running',
      [drainingLogs, otherLogs],
      () => running(drainingLogs, 'early-').size + running(otherLogs, 'early-').size === 8,
    );
    const onDraining = running(drainingLogs, 'early-');
    assert.ok(onDraining.size > 0, 'some calls run on the shard about to drain');

    const mark = drainingLogs.lines.length;
    draining.process.kill('SIGTERM');
    await drainingLogs.waitFor('that it drains', message('shard draining'), 10_000, mark);
    // A new call straight to the draining shard, as a router with a stale table would send it.
    const routerTls = await loadTlsFiles(storeTlsFiles(certs.dir, 'router'));
    const refused = await probeShard(draining.port, routerTls);
    assert.equal(refused.code, Status.UNAVAILABLE, refused.details);
    assert.match(refused.details, /is draining; send to another replica/);
    const doneOnDraining = (): Set<string> =>
      new Set(
        drainingLogs
          .filter((l) => l.msg === 'shard infer done' && String(l['requestId']).startsWith('early-'))
          .map(callKey),
      );
    assert.ok(doneOnDraining().size < onDraining.size, 'the refusal came while calls were in flight');

    // New requests through the router are served by the other replica.
    const late = ['late-0', 'late-1'];
    const lateResponses = await Promise.all(late.map(call));
    const earlyResponses = await Promise.all(earlyCalls);
    for (const response of [...earlyResponses, ...lateResponses])
      assert.ok(response.raw_output_contents[0]!.equals(expected!.data));
    assert.equal(running(drainingLogs, 'late-').size, 0, 'no new call ran on the draining shard');
    assert.equal(running(otherLogs, 'late-').size, 4, 'the other replica ran every new partition call');

    // Each call that was in flight on the draining shard finished there and was not run again.
    assert.deepEqual(doneOnDraining(), onDraining);
    const rerun = [...running(otherLogs, 'early-')].filter((k) => onDraining.has(k));
    assert.deepEqual(rerun, [], 'calls in flight on the draining shard were not retried elsewhere');

    assert.equal(await draining.exited, 0);
    const stopped = drainingLogs.filter(message('shard stopped'));
    assert.equal(stopped.length, 1);
    assert.equal(stopped[0]!['cutOff'], false, 'the drain did not need its timeout');
    const ports = (await entries()).map((e) => e.Service.Port);
    assert.ok(!ports.includes(draining.port), 'the drained shard is gone from Consul');
    assert.ok(ports.includes(mesh.shards.get('shard-e')!.port));
  });

  test('when Consul goes away, the router notices and keeps routing from its last table for 3 s', async () => {
    const x = randomTensor('x', [1, 8], 12);
    const [expected] = await runModel(models.models.mlp.original, [x]);
    const router = logs('router');
    const unreachable = (l: LogLine): boolean =>
      l.msg === 'registry unreachable; routing from the last table';
    const mark = router.lines.length;
    await consul.stop();
    await router.waitFor('that the registry is unreachable', unreachable, 15_000, mark);
    const noticedAt = Date.now();
    let answered = 0;
    while (Date.now() - noticedAt < 3_000) {
      const response = await mesh.client.call<InferResponse>('ModelInfer', rawInferRequest('mlp', [x]));
      assert.ok(
        relativeMaxError({ ...expected!, data: response.raw_output_contents[0]! }, expected!) <= 1e-5,
      );
      answered++;
    }
    assert.ok(answered >= 20, `only ${answered} requests in 3 s`);
    // The watch kept failing all along: the answers came from the last table, not a new one.
    const failures = router.lines.slice(mark).filter(unreachable).length;
    assert.ok(failures >= 2, `the router's watch failed ${failures} times while Consul was away`);
    assert.equal(router.lines.slice(mark).filter((l) => l.msg === 'routing table updated').length, 0);
  });
});
