import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startConsulAgent, type ConsulAgent } from '../integration/harness/consul-agent.js';
import { validatePlan } from '../lib/plan/validate.js';
import type { Plan } from '../lib/plan/schema.js';
import { ConsulClient } from './consul-client.js';
import { ConsulModelRepository } from './consul-model-repository.js';
import { PlanTooLargeError, planKey, type PublishedVersion } from './model-kv-layout.js';
import { pollUntil } from './registry-testing.js';

/** Against a real `consul agent -dev`: publish, watch (blocking queries), desired state, outages. */

const plan = (name: string, version: string, partitions = 1, sha = 'a'): Plan =>
  validatePlan({
    name,
    version,
    inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 4] }],
    outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 2] }],
    stages: [
      {
        name: 'main',
        partitions: Array.from({ length: partitions }, (_, p) => ({
          file: `part-${p}.onnx`,
          bytes: 10,
          sha256: sha.repeat(64),
        })),
        inputs: [{ name: 'x', scatter: { kind: 'replicate' } }],
        outputs: [{ name: 'y', gather: { kind: 'concat', axis: 0 } }],
      },
    ],
  });

const names = (versions: readonly PublishedVersion[]): string[] =>
  versions.map((v) => `${v.plan.name}/${v.plan.version}:${v.desired.state}`);

void describe('ConsulModelRepository against a real Consul agent', () => {
  let agent: ConsulAgent;
  let repository: ConsulModelRepository;
  let client: ConsulClient;
  const seen: (readonly PublishedVersion[])[] = [];
  const errors: Error[] = [];

  before(async () => {
    agent = await startConsulAgent();
    client = new ConsulClient(agent.host, agent.httpPort);
    repository = new ConsulModelRepository(new ConsulClient(agent.host, agent.httpPort), agent.url, {
      waitMs: 2000,
      minBackoffMs: 50,
    });
    repository.watch(
      (versions) => seen.push(versions),
      (error) => errors.push(error),
    );
  });
  after(async () => {
    repository?.close();
    client?.close();
    await agent?.stop();
  });

  const last = (): string[] => names(seen.at(-1) ?? []);

  test('the watch answers at once with an empty repository, then sees each publish without polling', async () => {
    await pollUntil(() => seen.length > 0, { what: 'first answer' });
    assert.deepEqual(last(), []);
    assert.equal(await repository.publish(plan('mlp', '1')), 'written');
    await pollUntil(() => last().length === 1, { what: 'mlp/1 in the watch', timeoutMs: 1500 });
    assert.equal(await repository.publish(plan('mlp', '2')), 'written');
    await pollUntil(() => last().length === 2, { what: 'mlp/2 in the watch', timeoutMs: 1500 });
    assert.deepEqual(last(), ['mlp/1:LOADED', 'mlp/2:LOADED']);
  });

  test('a version is immutable: the same plan again is unchanged, another plan is refused', async () => {
    assert.equal(await repository.publish(plan('mlp', '1')), 'unchanged');
    await assert.rejects(
      repository.publish(plan('mlp', '1', 1, 'b')),
      /mlp\/1 is already published with another plan/,
    );
    assert.equal(
      JSON.parse((await client.readKey(planKey('shardmesh/models/', 'mlp', '1')))!).stages[0].partitions[0]
        .sha256,
      'a'.repeat(64),
    );
  });

  test('a plan over 512 KiB is refused before anything is written', async () => {
    await assert.rejects(repository.publish(plan('big', '1', 6000)), PlanTooLargeError);
    assert.equal(await client.readKey(planKey('shardmesh/models/', 'big', '1')), undefined);
  });

  test('desired state: UNLOADED then LOADED reach the watch', async () => {
    await repository.setDesired('mlp', { state: 'UNLOADED', reason: 'test' });
    await pollUntil(() => last()[0] === 'mlp/1:UNLOADED', { what: 'UNLOADED in the watch' });
    assert.deepEqual(seen.at(-1)![0]!.desired, { state: 'UNLOADED', reason: 'test' });
    await repository.setDesired('mlp', { state: 'LOADED' });
    await pollUntil(() => last()[0] === 'mlp/1:LOADED', { what: 'LOADED in the watch' });
  });

  test('a bad plan written by hand is reported and left out; the rest still arrive', async () => {
    const before = errors.length;
    await client.writeKey(planKey('shardmesh/models/', 'broken', '1'), '{"name":"broken"');
    await repository.publish(plan('other', '1'));
    await pollUntil(() => last().includes('other/1:LOADED'), { what: 'other/1 in the watch' });
    assert.ok(!last().some((n) => n.startsWith('broken')));
    assert.ok(
      errors.slice(before).some((e) => /shardmesh\/models\/broken\/versions\/1\/plan/.test(e.message)),
    );
  });

  test('a plan key deleted from KV (a Consul that lost its data): the version is still delivered, reported once', async () => {
    const before = errors.length;
    await fetch(
      `http://${agent.host}:${agent.httpPort}/v1/kv/${planKey('shardmesh/models/', 'other', '1')}`,
      {
        method: 'DELETE',
      },
    );
    await repository.publish(plan('third', '1'));
    await pollUntil(() => last().includes('third/1:LOADED'), { what: 'third/1 in the watch' });
    assert.ok(last().includes('other/1:LOADED'));
    assert.equal(
      errors
        .slice(before)
        .filter((e) => e.message === 'other/1 is no longer in Consul KV; still serving it as last published')
        .length,
      1,
    );
  });

  test('Consul gone: errors are reported, and no change is delivered (the caller keeps its last list)', async () => {
    const calls = seen.length;
    const before = errors.length;
    await agent.stop();
    await pollUntil(() => errors.length > before, {
      what: 'an error after the agent stopped',
      timeoutMs: 5000,
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(seen.length, calls);
  });
});
