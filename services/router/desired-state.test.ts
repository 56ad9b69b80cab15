import assert from 'node:assert/strict';
import { status as Status } from '@grpc/grpc-js';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import { validatePlan } from '../../lib/plan/validate.js';
import type { DesiredState } from '../../registry/model-repository.js';
import { setDesiredState } from './desired-state.js';
import { ModelCatalog } from './model-catalog.js';
import { buildRoutingTable } from './routing-table.js';

const plan = validatePlan({
  name: 'm',
  version: '1',
  inputs: [{ name: 'x', datatype: 'FP32', shape: [-1] }],
  outputs: [{ name: 'y', datatype: 'FP32', shape: [-1] }],
  stages: [
    {
      name: 'main',
      partitions: [{ file: 'p0.onnx' }],
      inputs: [{ name: 'x', scatter: { kind: 'replicate' } }],
      outputs: [{ name: 'y', gather: { kind: 'concat', axis: 0 } }],
    },
  ],
});
const UNLOADED: DesiredState = { state: 'UNLOADED', reason: 'r' };
const code = (status: Status) => (e: unknown) => (e as { code?: number }).code === status;

void describe('setDesiredState (RepositoryModelLoad/Unload)', () => {
  const setup = (write: (name: string, d: DesiredState) => Promise<void>) => {
    const catalog = new ModelCatalog(() => buildRoutingTable([]));
    catalog.replace([{ plan, desired: { state: 'LOADED' } }]);
    return { catalog, repository: { setDesired: write }, log: pino({ level: 'silent' }) };
  };

  test('written to the repository, then applied in the catalog', async () => {
    const written: [string, DesiredState][] = [];
    const ctx = setup((name, d) => Promise.resolve(void written.push([name, d])));
    await setDesiredState(ctx, 'm', UNLOADED);
    assert.deepEqual(written, [['m', UNLOADED]]);
    assert.throws(() => ctx.catalog.resolve('m', ''), code(Status.UNAVAILABLE));
  });

  test('a repository that does not take it: UNAVAILABLE, and the catalog is unchanged', async () => {
    const ctx = setup(() => Promise.reject(new Error('connect ECONNREFUSED 10.0.0.1:8500')));
    await assert.rejects(
      setDesiredState(ctx, 'm', UNLOADED),
      (e: unknown) => code(Status.UNAVAILABLE)(e) && !/10\.0\.0\.1|ECONNREFUSED/.test((e as Error).message),
    );
    assert.equal(ctx.catalog.resolve('m', '').version, '1');
  });

  test('an unknown model is NOT_FOUND and an empty name INVALID_ARGUMENT, with nothing written', async () => {
    const ctx = setup(() => assert.fail('nothing is written'));
    await assert.rejects(setDesiredState(ctx, 'x', UNLOADED), code(Status.NOT_FOUND));
    await assert.rejects(setDesiredState(ctx, '', UNLOADED), code(Status.INVALID_ARGUMENT));
  });
});
