import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startConsulAgent, type ConsulAgent } from '../integration/harness/consul-agent.js';
import { ConsulRegistry } from './consul-registry.js';
import type { ShardInstance } from './registry.js';
import {
  ids,
  pollUntil,
  recordWatch,
  spawnRegistrant,
  startAgentRecorder,
  type AgentRecorder,
} from './registry-testing.js';

/** Against a real `consul agent -dev` (built by scripts/bootstrap.sh); no part of Consul is faked. */

const shard = (id: string, partition: number): ShardInstance => ({
  id,
  address: '127.0.0.1',
  port: 7200 + partition,
  model: 'ocr',
  version: '1',
  stage: 'main',
  partition,
  partitionCount: 3,
  identity: `spiffe://shardmesh.test/shard/${id}`,
});

interface HealthEntry {
  Service: { ID: string; Address: string; Port: number; Meta: Record<string, string> };
  Checks: { CheckID: string; Status: string; Output: string }[];
}

void describe('ConsulRegistry against a real agent', () => {
  let agent: ConsulAgent;
  let registry: ConsulRegistry;
  /** The same agent through a proxy that records the heartbeats reaching it. */
  let recorder: AgentRecorder;
  let recorded: ConsulRegistry;
  const heartbeatErrors: Error[] = [];
  const api = async <T>(path: string, init?: RequestInit): Promise<T> => {
    const response = await fetch(`http://${agent.host}:${agent.httpPort}${path}`, init);
    assert.ok(response.ok, `${path}: HTTP ${response.status} ${await response.clone().text()}`);
    return (await response.json()) as T;
  };
  const health = (passingOnly: boolean) =>
    api<HealthEntry[]>(`/v1/health/service/shardmesh-shard${passingOnly ? '?passing' : ''}`);

  before(async () => {
    agent = await startConsulAgent();
    registry = new ConsulRegistry({
      host: agent.host,
      port: agent.httpPort,
      onError: (e) => heartbeatErrors.push(e),
    });
    recorder = await startAgentRecorder(agent);
    recorded = new ConsulRegistry({
      host: recorder.host,
      port: recorder.port,
      onError: (e) => heartbeatErrors.push(e),
    });
  });
  after(async () => {
    registry?.close();
    recorded?.close();
    await recorder?.close();
    await agent?.stop();
  });

  void it('registers, watches, drains and deregisters', async () => {
    assert.equal(registry.description, agent.url);
    const watch = recordWatch(registry);
    try {
      const ttlMs = 2000;
      const registeredAtMs = Date.now();
      const a = await recorded.register(shard('a', 0), { ttlMs });
      const b = await recorded.register(shard('b', 1), { ttlMs });

      const listed = await watch.until((list) => list.length === 2);
      assert.deepEqual(ids(listed), ['a', 'b']);
      assert.deepEqual(
        listed.find((i) => i.id === 'b'),
        shard('b', 1),
      );

      const passing = await health(true);
      assert.deepEqual(passing.map((e) => e.Service.ID).sort(), ['a', 'b']);
      const a0 = passing.find((e) => e.Service.ID === 'a');
      assert.deepEqual(a0?.Service.Meta, {
        model: 'ocr',
        version: '1',
        stage: 'main',
        partition: '0',
        partition_count: '3',
        identity: 'spiffe://shardmesh.test/shard/a',
      });
      assert.equal(a0?.Service.Port, 7200);

      // Heartbeats keep both passing past their TTL: once the agent has taken a heartbeat of each
      // after the registration's own TTL ran out, a check left alone would be critical by now.
      const beatAfterTtl = (id: string) =>
        recorder.updates.some((u) => u.checkId === `service:${id}` && u.atMs > registeredAtMs + ttlMs);
      await pollUntil(() => beatAfterTtl('a') && beatAfterTtl('b'), {
        what: 'a heartbeat of a and of b after their TTL',
      });
      assert.deepEqual(
        recorder.updates.filter((u) => u.status !== 'passing'),
        [],
      );
      assert.deepEqual((await health(true)).map((e) => e.Service.ID).sort(), ['a', 'b']);

      await a.setStatus('critical', 'draining');
      const drainedFrom = recorder.updates.length;
      assert.deepEqual(ids(await watch.until((list) => list.length === 1)), ['b']);
      const drained = (await health(false)).find((e) => e.Service.ID === 'a');
      assert.equal(drained?.Checks.find((c) => c.CheckID === 'service:a')?.Status, 'critical');
      // The heartbeat must not quietly turn a drained instance passing again: let two more of a's
      // heartbeats reach the agent, then look.
      const beatsOfA = () => recorder.updates.slice(drainedFrom).filter((u) => u.checkId === 'service:a');
      await pollUntil(() => beatsOfA().length >= 2, { what: 'two heartbeats of a after the drain' });
      assert.deepEqual(
        beatsOfA().map((u) => u.status),
        beatsOfA().map(() => 'critical'),
      );
      assert.deepEqual(
        (await health(true)).map((e) => e.Service.ID),
        ['b'],
      );
      assert.deepEqual(ids(watch.calls.at(-1) ?? []), ['b']);
      // Operators still see it, critical with the owner's note.
      assert.deepEqual(
        [...(await registry.list())].sort((x, y) => x.instance.id.localeCompare(y.instance.id)),
        [
          { instance: shard('a', 0), status: 'critical', note: 'draining' },
          { instance: shard('b', 1), status: 'passing' },
        ],
      );

      await a.deregister();
      await a.deregister(); // safe twice
      const services = await api<Record<string, unknown>>('/v1/agent/services');
      assert.deepEqual(Object.keys(services).sort(), ['b']);

      await b.deregister();
      await watch.until((list) => list.length === 0);
      assert.deepEqual(watch.errors, []);
      assert.deepEqual(heartbeatErrors, []);
    } finally {
      watch.close();
    }
  });

  void it('turns a registration critical after its TTL when its process is killed', async () => {
    const watch = recordWatch(registry);
    try {
      const child = await spawnRegistrant(agent.url, shard('doomed', 2), 2000);
      await watch.until((list) => ids(list).includes('doomed'));
      const killedAt = Date.now();
      await child.kill();
      await watch.until((list) => !ids(list).includes('doomed'), 10_000);
      const elapsedMs = Date.now() - killedAt;
      assert.ok(elapsedMs < 6000, `dropped ${elapsedMs} ms after the kill, TTL 2000 ms`);
      const entry = (await health(false)).find((e) => e.Service.ID === 'doomed');
      const check = entry?.Checks.find((c) => c.CheckID === 'service:doomed');
      assert.equal(check?.Status, 'critical');
      assert.match(check?.Output ?? '', /TTL expired/);
      const listed = (await registry.list()).find((l) => l.instance.id === 'doomed');
      assert.equal(listed?.status, 'critical');
      assert.match(listed?.note ?? '', /TTL expired/);
      // Still listed as critical until DeregisterCriticalServiceAfter (1 min) passes.
      await api(`/v1/agent/service/deregister/doomed`, { method: 'PUT' }).catch(() => undefined);
    } finally {
      watch.close();
    }
  });

  void it('re-registers when the agent loses the service, and deregister tolerates it being gone', async () => {
    const errors: Error[] = [];
    const own = new ConsulRegistry({
      host: agent.host,
      port: agent.httpPort,
      onError: (e) => errors.push(e),
    });
    const watch = recordWatch(own);
    try {
      const lost = await own.register(shard('lost', 0), { ttlMs: 600 });
      await watch.until((list) => ids(list).includes('lost'));
      // What an agent restart (dev mode keeps nothing) or the reaper would do.
      const response = await fetch(
        `http://${agent.host}:${agent.httpPort}/v1/agent/service/deregister/lost`,
        {
          method: 'PUT',
        },
      );
      assert.equal(response.status, 200);
      await watch.until((list) => !ids(list).includes('lost'));
      await watch.until((list) => ids(list).includes('lost'));
      assert.ok(errors.length >= 1, 'the failed heartbeat was reported');
      await lost.deregister();
      await watch.until((list) => !ids(list).includes('lost'));

      const gone = await own.register(shard('gone', 1), { ttlMs: 2000 });
      await fetch(`http://${agent.host}:${agent.httpPort}/v1/agent/service/deregister/gone`, {
        method: 'PUT',
      });
      await gone.deregister(); // the 404 is not an error
    } finally {
      watch.close();
      own.close();
    }
  });

  void it('reports an unreachable agent through onError and stops on close', async () => {
    const dead = new ConsulRegistry({
      host: '127.0.0.1',
      port: 1, // nothing listens on port 1
      watch: { minBackoffMs: 20, maxBackoffMs: 40 },
    });
    const watch = recordWatch(dead);
    // Three failures in a row: the watch keeps retrying (with backoff) rather than giving up.
    await pollUntil(() => watch.errors.length >= 3, { what: 'three watch errors' });
    watch.close();
    assert.equal(watch.calls.length, 0, 'no list is delivered while unreachable');
    await assert.rejects(dead.register(shard('x', 0)), /ECONNREFUSED/);
    dead.close();
  });
});
