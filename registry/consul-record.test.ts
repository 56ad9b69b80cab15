import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  SHARD_SERVICE_NAME,
  fromHealthEntry,
  listedFromHealthEntry,
  toConsulService,
} from './consul-record.js';
import { MalformedInstanceError } from './errors.js';
import type { ShardInstance } from './registry.js';

const instance: ShardInstance = {
  id: 'shard-1-p0',
  address: '10.0.0.7',
  port: 7443,
  model: 'ocr',
  version: '3',
  stage: 'head',
  partition: 1,
  partitionCount: 4,
  identity: 'spiffe://shardmesh.test/shard/one',
};

const entryFor = (service: ReturnType<typeof toConsulService>, nodeAddress = '10.9.9.9') => ({
  Node: { Address: nodeAddress },
  Service: {
    ID: service.id,
    Service: service.name,
    Address: service.address,
    Port: service.port,
    Meta: service.meta,
  },
  Checks: [],
});

void describe('Consul registry record', () => {
  void it('writes the meta design.md names, as strings, with a TTL check', () => {
    const service = toConsulService(instance, { ttlMs: 2000, deregisterAfterMs: 5000 }, 'passing');
    assert.equal(service.name, SHARD_SERVICE_NAME);
    assert.equal(service.id, 'shard-1-p0');
    assert.deepEqual(service.meta, {
      model: 'ocr',
      version: '3',
      stage: 'head',
      partition: '1',
      partition_count: '4',
      identity: 'spiffe://shardmesh.test/shard/one',
    });
    assert.ok(service.tags.includes('model:ocr'));
    assert.deepEqual(service.check, {
      checkId: 'service:shard-1-p0',
      ttl: '2000ms',
      // Raised to Consul's one-minute floor.
      deregisterCriticalServiceAfter: '60000ms',
      status: 'passing',
    });
  });

  void it('round-trips through a health entry', () => {
    const service = toConsulService(instance, { ttlMs: 2000, deregisterAfterMs: 90_000 }, 'passing');
    assert.equal(service.check.deregisterCriticalServiceAfter, '90000ms');
    assert.deepEqual(fromHealthEntry(entryFor(service)), instance);
  });

  void it("lists an entry as passing only when every check passes, else critical with the first failing check's words", () => {
    const entry = entryFor(
      toConsulService(instance, { ttlMs: 2000, deregisterAfterMs: 5000 }, 'passing'),
      '10.0.0.7',
    );
    const withChecks = (...checks: object[]) => ({ ...entry, Checks: checks });
    const serf = { Name: 'Serf Health Status', Status: 'passing', Output: 'Agent alive and reachable' };
    assert.deepEqual(listedFromHealthEntry(withChecks(serf, { Status: 'passing', Output: '' })), {
      instance,
      status: 'passing',
    });
    assert.deepEqual(
      listedFromHealthEntry(withChecks(serf, { Name: 'ttl', Status: 'critical', Output: 'TTL expired' })),
      {
        instance,
        status: 'critical',
        note: 'TTL expired',
      },
    );
    // A warning is not passing either (`?passing` leaves it out too); no output: the check's name.
    assert.deepEqual(
      listedFromHealthEntry(withChecks({ Name: 'Serf Health Status', Status: 'warning', Output: '' })),
      {
        instance,
        status: 'critical',
        note: 'Serf Health Status',
      },
    );
  });

  void it("falls back to the node's address when the service has none", () => {
    const service = {
      ...toConsulService(instance, { ttlMs: 2000, deregisterAfterMs: 0 }, 'passing'),
      address: '',
    };
    assert.equal(fromHealthEntry(entryFor(service, '10.1.2.3')).address, '10.1.2.3');
  });

  void it('rejects malformed meta, naming the service and the field', () => {
    const service = toConsulService(instance, { ttlMs: 2000, deregisterAfterMs: 0 }, 'passing');
    const cases: [Record<string, string>, RegExp][] = [
      [{ ...service.meta, partition: 'x' }, /shard-1-p0: partition must be an integer/],
      [{ ...service.meta, partition: '4' }, /partition must be an integer in \[0, 3\]/],
      [{ ...service.meta, partition_count: '0' }, /partitionCount/],
      [{ ...service.meta, identity: '' }, /identity/],
      [{ model: 'ocr' }, /version|partitionCount/],
    ];
    for (const [meta, message] of cases) {
      assert.throws(
        () =>
          fromHealthEntry({ ...entryFor(service), Service: { ...entryFor(service).Service, Meta: meta } }),
        (error: unknown) => error instanceof MalformedInstanceError && message.test(error.message),
      );
    }
    assert.throws(() => fromHealthEntry({}), MalformedInstanceError);
    assert.throws(() => fromHealthEntry(null), MalformedInstanceError);
  });
});
