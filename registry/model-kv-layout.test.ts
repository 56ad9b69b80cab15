import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { validatePlan } from '../lib/plan/validate.js';
import {
  CONSUL_MAX_VALUE_BYTES,
  DEFAULT_MODELS_PREFIX,
  decodeDesired,
  decodeRepository,
  desiredKey,
  encodeDesired,
  encodePlan,
  planKey,
  PlanTooLargeError,
} from './model-kv-layout.js';

const P = DEFAULT_MODELS_PREFIX;

const planJson = (name: string, version: string, partitions = 1): object => ({
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
        sha256: 'a'.repeat(64),
        url: `https://models.example/${name}/${version}/part-${p}.onnx`,
      })),
      inputs: [{ name: 'x', scatter: { kind: 'replicate' } }],
      outputs: [{ name: 'y', gather: { kind: 'concat', axis: 0 } }],
    },
  ],
});

const entry = (key: string, value: object | string) => ({
  Key: key,
  Value: typeof value === 'string' ? value : JSON.stringify(value),
});

void describe('the model repository KV layout', () => {
  test('keys: <prefix><name>/versions/<version>/plan and <prefix><name>/desired', () => {
    assert.equal(planKey(P, 'mlp', '2'), 'shardmesh/models/mlp/versions/2/plan');
    assert.equal(desiredKey(P, 'mlp'), 'shardmesh/models/mlp/desired');
  });

  test('a plan round-trips through its encoding, sizes, SHA-256s and URLs included', () => {
    const plan = validatePlan(planJson('mlp', '3', 2));
    const { versions, problems } = decodeRepository(P, [entry(planKey(P, 'mlp', '3'), encodePlan(plan))]);
    assert.deepEqual(problems, []);
    assert.deepEqual(versions, [{ plan, desired: { state: 'LOADED' } }]);
  });

  test("a plan over Consul's 512 KiB value limit is refused, naming its size and the limit", () => {
    // ~120 bytes a partition: 5000 partitions is well over 512 KiB.
    const plan = validatePlan(planJson('big', '1', 5000));
    assert.throws(
      () => encodePlan(plan),
      (e: unknown) =>
        e instanceof PlanTooLargeError &&
        e.limitBytes === CONSUL_MAX_VALUE_BYTES &&
        e.bytes > CONSUL_MAX_VALUE_BYTES &&
        /big\/1 is \d+ bytes as JSON, over Consul's 524288-byte value limit/.test(e.message),
    );
    const small = validatePlan(planJson('small', '1', 10));
    assert.ok(encodePlan(small).length < CONSUL_MAX_VALUE_BYTES);
  });

  test('desired states: LOADED when absent, UNLOADED with its reason, anything else a problem', () => {
    assert.deepEqual(decodeDesired(encodeDesired({ state: 'UNLOADED', reason: 'r' })), {
      state: 'UNLOADED',
      reason: 'r',
    });
    const { versions, problems } = decodeRepository(P, [
      entry(planKey(P, 'a', '1'), planJson('a', '1')),
      entry(planKey(P, 'b', '1'), planJson('b', '1')),
      entry(desiredKey(P, 'b'), { state: 'UNLOADED', reason: 'maintenance' }),
      entry(planKey(P, 'c', '1'), planJson('c', '1')),
      entry(desiredKey(P, 'c'), { state: 'SLEEPING' }),
    ]);
    assert.deepEqual(
      versions.map((v) => [v.plan.name, v.desired]),
      [
        ['a', { state: 'LOADED' }],
        ['b', { state: 'UNLOADED', reason: 'maintenance' }],
        ['c', { state: 'LOADED' }],
      ],
    );
    assert.equal(problems.length, 1);
    assert.match(problems[0]!.message, /shardmesh\/models\/c\/desired: state must be "LOADED" or "UNLOADED"/);
  });

  test('a bad entry is reported and left out; the others still decode, newest version last', () => {
    const { versions, problems } = decodeRepository(P, [
      entry(planKey(P, 'm', '10'), planJson('m', '10')),
      entry(planKey(P, 'm', '9'), planJson('m', '9')),
      entry(planKey(P, 'm', '2'), planJson('m', '3')), // key and plan disagree
      entry(planKey(P, 'n', '1'), '{not json'),
      entry(planKey(P, 'o', '1'), { ...planJson('o', '1'), stages: [] }),
      entry('shardmesh/models/m/assignments/x', 'later additions are ignored'),
      entry('elsewhere/m/versions/1/plan', planJson('m', '1')),
    ]);
    assert.deepEqual(
      versions.map((v) => `${v.plan.name}/${v.plan.version}`),
      ['m/9', 'm/10'],
    );
    assert.deepEqual(
      problems.map((p) => p.message.split(':')[0]),
      [
        'Consul key shardmesh/models/m/versions/2/plan',
        'Consul key shardmesh/models/n/versions/1/plan',
        'Consul key shardmesh/models/o/versions/1/plan',
      ],
    );
    assert.match(problems[0]!.message, /holds the plan of m\/3/);
  });

  test('a partition records bytes and sha256 together', () => {
    const bad = planJson('m', '1') as { stages: { partitions: object[] }[] };
    bad.stages[0]!.partitions[0] = { file: 'p.onnx', sha256: 'b'.repeat(64) };
    assert.throws(() => validatePlan(bad), /partitions\[0\]\.bytes: is missing/);
  });
});
