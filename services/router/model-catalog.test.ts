import assert from 'node:assert/strict';
import { status as Status } from '@grpc/grpc-js';
import { describe, test } from 'node:test';
import { validatePlan } from '../../lib/plan/validate.js';
import type { Plan } from '../../lib/plan/schema.js';
import type { ShardInstance } from '../../registry/registry.js';
import type { DesiredState } from '../../registry/model-repository.js';
import { ModelCatalog } from './model-catalog.js';
import { buildRoutingTable, type RoutingTable } from './routing-table.js';

const plan = (version: string): Plan =>
  validatePlan({
    name: 'm',
    version,
    inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 4] }],
    outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 2] }],
    stages: [
      {
        name: 'main',
        partitions: [{ file: 'p0.onnx' }, { file: 'p1.onnx' }],
        inputs: [{ name: 'x', scatter: { kind: 'split', axis: 0 } }],
        outputs: [{ name: 'y', gather: { kind: 'concat', axis: 0 } }],
      },
    ],
  });

const replica = (version: string, partition: number): ShardInstance => ({
  id: `s-${version}-${partition}`,
  address: '127.0.0.1',
  port: 1000 + partition,
  model: 'm',
  version,
  stage: 'main',
  partition,
  partitionCount: 2,
  identity: 'spiffe://t/shard/s',
});

const LOADED = { state: 'LOADED' } as const;

function catalogWith(...versions: string[]): { catalog: ModelCatalog; serve(...r: ShardInstance[]): void } {
  let table: RoutingTable = buildRoutingTable([]);
  const catalog = new ModelCatalog(() => table);
  catalog.replace(versions.map((v) => ({ plan: plan(v), desired: LOADED })));
  return {
    catalog,
    serve: (...replicas) => {
      table = buildRoutingTable(replicas);
      catalog.observe();
    },
  };
}

const code = (status: Status) => (e: unknown) => (e as { code?: number }).code === status;

void describe('ModelCatalog: which version serves, and each version state', () => {
  test('an empty version is the newest READY one: a new version takes traffic only once every partition has a replica', () => {
    const { catalog, serve } = catalogWith('1', '2');
    serve(replica('1', 0), replica('1', 1));
    assert.equal(catalog.resolve('m', '').version, '1');
    serve(replica('1', 0), replica('1', 1), replica('2', 0)); // v2 half there
    assert.equal(catalog.resolve('m', '').version, '1');
    serve(replica('1', 0), replica('1', 1), replica('2', 0), replica('2', 1));
    assert.equal(catalog.resolve('m', '').version, '2');
    // A pinned older version keeps serving while it is there.
    assert.equal(catalog.resolve('m', '1').version, '1');
  });

  test('an empty version follows a newly published version whose replicas were already up', () => {
    const { catalog, serve } = catalogWith('1');
    serve(replica('1', 0), replica('1', 1), replica('2', 0), replica('2', 1));
    assert.equal(catalog.resolve('m', '').version, '1');
    // The same routing table; only the repository's list changed.
    catalog.replace(['1', '2'].map((v) => ({ plan: plan(v), desired: LOADED })));
    assert.equal(catalog.resolve('m', '').version, '2');
  });

  test('no ready version: the newest (its requests then fail UNAVAILABLE in the executor)', () => {
    const { catalog } = catalogWith('1', '3', '2');
    assert.equal(catalog.resolve('m', '').version, '3');
  });

  test('unknown model or version: NOT_FOUND in Triton words', () => {
    const { catalog } = catalogWith('1');
    assert.throws(() => catalog.resolve('x', ''), code(Status.NOT_FOUND));
    assert.throws(() => catalog.resolve('m', '7'), /version 7 is not found \(versions: 1\)/);
  });

  test('an unloaded model: UNAVAILABLE saying so, listed UNAVAILABLE with the reason; loaded again, it serves', () => {
    const { catalog, serve } = catalogWith('1');
    serve(replica('1', 0), replica('1', 1));
    catalog.setDesired('m', { state: 'UNLOADED', reason: 'maintenance' });
    assert.throws(
      () => catalog.resolve('m', ''),
      (e: unknown) => code(Status.UNAVAILABLE)(e) && /is unloaded \(maintenance\)/.test((e as Error).message),
    );
    assert.equal(catalog.resolve('m', '', { evenUnloaded: true }).version, '1');
    assert.deepEqual(catalog.index(), [
      { name: 'm', version: '1', state: 'UNAVAILABLE', reason: 'unloaded: maintenance' },
    ]);
    assert.deepEqual(catalog.loadedPlans, []);
    catalog.setDesired('m', LOADED);
    assert.equal(catalog.resolve('m', '').version, '1');
  });

  /** A catalog whose writes hold for 1 s on the clock `now`, the repository reporting version 1. */
  const heldWrites = (now: () => number) => {
    const table = buildRoutingTable([]);
    const catalog = new ModelCatalog(() => table, { holdWrittenMs: 1_000, now });
    return {
      catalog,
      report: (desired: DesiredState): void => catalog.replace([{ plan: plan('1'), desired }]),
      loaded: (): boolean => catalog.loadedPlans.length === 1,
    };
  };
  const unloaded = { state: 'UNLOADED', reason: 'maintenance' } as const;

  test("a state this router wrote holds against the repository's stale reports until it reports the write, or the hold ends", () => {
    let now = 0;
    const { catalog, report, loaded } = heldWrites(() => now);
    report(LOADED);
    catalog.setDesired('m', unloaded);
    catalog.setDesired('m', LOADED);
    report(unloaded); // the Unload's echo, read before the Load was written
    assert.equal(loaded(), true);
    report(LOADED); // the Load's echo: the write is confirmed and no longer held
    report(unloaded); // another router unloads it: taken at once
    assert.equal(loaded(), false);

    catalog.setDesired('m', LOADED);
    report(unloaded);
    assert.equal(loaded(), true);
    now = 1_000; // no echo came (another router wrote since): the repository's word wins
    assert.equal(loaded(), false);
  });

  test('writes are confirmed in order: a read from before an Unload reporting LOADED does not confirm the Load after it', () => {
    const { catalog, report, loaded } = heldWrites(() => 0);
    report(LOADED);
    catalog.setDesired('m', unloaded);
    catalog.setDesired('m', LOADED);
    report(LOADED); // a read begun before the Unload
    report(unloaded); // the Unload's echo
    assert.equal(loaded(), true, "the Unload's echo does not undo the Load");
    report(LOADED); // the Load's echo: both confirmed
    report(unloaded); // another router unloads it: taken at once
    assert.equal(loaded(), false);
  });

  test('index: LOADING until first ready, READY, then UNAVAILABLE naming the partition that lost its replicas', () => {
    const { catalog, serve } = catalogWith('1');
    serve(replica('1', 0));
    assert.deepEqual(catalog.index(), [
      {
        name: 'm',
        version: '1',
        state: 'LOADING',
        reason: 'waiting for a replica of stage "main" partition 1',
      },
    ]);
    serve(replica('1', 0), replica('1', 1));
    assert.deepEqual(catalog.index(), [{ name: 'm', version: '1', state: 'READY', reason: '' }]);
    serve(replica('1', 1));
    assert.deepEqual(catalog.index(), [
      {
        name: 'm',
        version: '1',
        state: 'UNAVAILABLE',
        reason: 'stage "main" partition 0 has no healthy replica',
      },
    ]);
  });
});
