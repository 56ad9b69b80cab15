import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EmbeddedRegistry } from './embedded-registry.js';
import type { ShardInstance } from './registry.js';
import { readRecords, removeRecord } from './heartbeat-file.js';
import { ids, pollUntil, recordWatch, spawnRegistrant } from './registry-testing.js';

const shard = (id: string, partition: number): ShardInstance => ({
  id,
  address: '127.0.0.1',
  port: 7100 + partition,
  model: 'ocr',
  version: '1',
  stage: 'main',
  partition,
  partitionCount: 2,
  identity: `spiffe://shardmesh.test/shard/${id}`,
});

void describe('EmbeddedRegistry', () => {
  let dir: string;
  let registry: EmbeddedRegistry;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'shardmesh-registry-'));
    registry = new EmbeddedRegistry({ dir, pollMs: 25 });
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  void it('describes itself by its absolute folder', () => {
    assert.equal(registry.description, `embedded:${dir}`);
  });

  void it('lists registrations, drops a deregistered one, and honours setStatus', async () => {
    const watch = recordWatch(registry);
    try {
      await watch.until((list) => list.length === 0);
      const a = await registry.register(shard('a', 0), { ttlMs: 1000 });
      const b = await registry.register(shard('b', 1), { ttlMs: 1000 });
      const both = await watch.until((list) => list.length === 2);
      assert.deepEqual(ids(both), ['a', 'b']);
      assert.deepEqual(
        both.find((i) => i.id === 'b'),
        shard('b', 1),
      );

      await b.deregister();
      await b.deregister(); // safe twice
      assert.deepEqual(ids(await watch.until((list) => list.length === 1)), ['a']);
      assert.deepEqual(await readdir(dir), ['a.json']);

      await a.setStatus('critical', 'draining');
      await watch.until((list) => list.length === 0);
      const record = JSON.parse(await readFile(join(dir, 'a.json'), 'utf8')) as {
        status: string;
        note: string;
      };
      assert.equal(record.status, 'critical');
      assert.equal(record.note, 'draining');

      await a.setStatus('passing');
      assert.deepEqual(ids(await watch.until((list) => list.length === 1)), ['a']);
      await a.deregister();
      await watch.until((list) => list.length === 0);
      assert.deepEqual(watch.errors, []);
    } finally {
      watch.close();
    }
  });

  void it('keeps a live registration passing across many TTLs', async () => {
    const watch = recordWatch(registry);
    try {
      const ttlMs = 150;
      const registeredAtMs = Date.now();
      const live = await registry.register(shard('live', 0), { ttlMs });
      await watch.until((list) => list.length === 1);
      // A record that expires four TTLs after registering was rewritten three TTLs on, at least.
      await pollUntil(
        async () => {
          const { records } = await readRecords(dir);
          const record = records.find((r) => r.instance.id === 'live');
          return record !== undefined && record.expiresAtMs >= registeredAtMs + 4 * ttlMs;
        },
        { what: 'the heartbeat carrying live past four TTLs' },
      );
      // Any dip out of the passing set would have been delivered as a call without 'live'.
      const dips = watch.calls.filter((list) => !list.some((i) => i.id === 'live'));
      assert.equal(dips.length, 1, 'only the initial empty list');
      await live.deregister();
    } finally {
      watch.close();
    }
  });

  void it('drops an instance whose process was killed, after its TTL, and reaps the file later', async () => {
    const watch = recordWatch(registry);
    try {
      const survivor = await registry.register(shard('survivor', 0), { ttlMs: 5000 });
      const child = await spawnRegistrant(`embedded:${dir}`, shard('doomed', 1), 300);
      await watch.until((list) => ids(list).join() === 'doomed,survivor');
      const killedAt = Date.now();
      await child.kill();
      assert.deepEqual(ids(await watch.until((list) => list.length === 1)), ['survivor']);
      const elapsedMs = Date.now() - killedAt;
      assert.ok(elapsedMs < 2000, `dropped after ${elapsedMs} ms, TTL 300 ms`);
      // The child used the default deregisterAfterMs (60 s), so the stale file is still there.
      assert.deepEqual((await readdir(dir)).sort(), ['doomed.json', 'survivor.json']);
      await survivor.deregister();
    } finally {
      watch.close();
    }
  });

  void it('lists every instance with its status: passing, critical with its note, silent past its TTL', async () => {
    const live = await registry.register(shard('live', 0), { ttlMs: 5000 });
    const draining = await registry.register(shard('draining', 1), { ttlMs: 5000 });
    await draining.setStatus('critical', 'draining');
    const child = await spawnRegistrant(`embedded:${dir}`, shard('silent', 1), 300);
    await child.kill();
    const listed = await pollUntil(
      async () => {
        const all = await registry.list();
        return all.find((l) => l.instance.id === 'silent')?.status === 'critical' && all;
      },
      { what: 'silent listed as critical after its TTL' },
    );
    // The killed registrant of the test before is still listed too (critical, for 60 s): not ours.
    const ours = listed.filter((l) => ['draining', 'live', 'silent'].includes(l.instance.id));
    assert.deepEqual(
      [...ours].sort((a, b) => a.instance.id.localeCompare(b.instance.id)),
      [
        { instance: shard('draining', 1), status: 'critical', note: 'draining' },
        { instance: shard('live', 0), status: 'passing' },
        { instance: shard('silent', 1), status: 'critical', note: 'heartbeat expired' },
      ],
    );
    await live.deregister();
    await draining.deregister();
    await removeRecord(dir, 'silent');
  });

  void it('deletes records expired for longer than deregisterAfterMs', async () => {
    const stale = {
      instance: shard('stale', 0),
      status: 'passing',
      expiresAtMs: Date.now() - 2000,
      deregisterAfterMs: 1000,
    };
    await writeFile(join(dir, 'stale.json'), JSON.stringify(stale));
    const watch = recordWatch(registry);
    try {
      await watch.until(() => true);
      await pollUntil(async () => !(await readdir(dir)).includes('stale.json'), {
        timeoutMs: 2000,
        what: 'stale.json reaped',
      });
    } finally {
      watch.close();
    }
  });

  void it('ignores half-written, foreign and mismatched files', async () => {
    const other = await mkdtemp(join(tmpdir(), 'shardmesh-registry-'));
    try {
      const reg = new EmbeddedRegistry({ dir: other, pollMs: 25 });
      const good = await reg.register(shard('good', 0));
      await writeFile(join(other, 'half.json'), '{"instance": {"id": "half"');
      await writeFile(join(other, 'README.txt'), 'not a record');
      await writeFile(join(other, 'x.json.123.1.tmp'), '{}');
      const wrongName = {
        instance: shard('y', 0),
        status: 'passing',
        expiresAtMs: Date.now() + 60_000,
        deregisterAfterMs: 1,
      };
      await writeFile(join(other, 'x.json'), JSON.stringify(wrongName));
      const watch = recordWatch(reg);
      try {
        assert.deepEqual(ids(await watch.until((list) => list.length > 0)), ['good']);
        assert.deepEqual(watch.errors, []);
      } finally {
        watch.close();
        await good.deregister();
      }
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  void it('rejects a bad instance and contradictory options with a TypeError naming the field', async () => {
    const typeError = (field: string) => ({ name: 'TypeError', message: new RegExp(field) });
    await assert.rejects(registry.register({ ...shard('bad', 0), port: 0 }), typeError('port'));
    await assert.rejects(registry.register({ ...shard('bad', 0), id: '../escape' }), typeError('id'));
    await assert.rejects(registry.register(shard('bad', 5)), typeError('partition'));
    await assert.rejects(
      registry.register(shard('bad', 0), { ttlMs: 5000, deregisterAfterMs: 10 }),
      typeError('deregisterAfterMs'),
    );
    assert.throws(() => new EmbeddedRegistry({ dir, pollMs: 0 }), typeError('pollMs'));
    assert.ok(!(await readdir(dir)).includes('bad.json'));
  });
});
