import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SERVING_HEAP_GROWING_PERCENT } from '../cli/heap-growth.js';
import { ChildLogs } from './harness/child-logs.js';
import { makeCertificates, prepareTestModels, startMesh, type Mesh } from './harness/mesh.js';

// The router and shards set V8's heap growing factor as they start (cli/heap-growth.ts says why);
// each says so in its log, which is also how an operator sees which value a process runs with.
describe('router and shard processes set the heap growing factor', () => {
  let certs: Awaited<ReturnType<typeof makeCertificates>>;
  let mesh: Mesh;

  before(async () => {
    await prepareTestModels();
    certs = await makeCertificates([
      ['router', 'router'],
      ['client', 'client'],
      ['shard', 'shard-0'],
    ]);
    mesh = await startMesh({
      certsDir: certs.dir,
      shards: [{ name: 'shard-0', serve: ['mlp/1/*/*'] }],
      logs: 'pipe',
      logLevel: 'info',
    });
  });

  after(async () => {
    await mesh?.stop();
    await certs?.cleanup();
  });

  test('each logs the percent it set, before it serves', async () => {
    for (const child of [mesh.router, mesh.shards.get('shard-0')!]) {
      const logs = ChildLogs.tap(child);
      const line = await logs.waitFor(
        'the heap growth line',
        (l) => l.msg === 'V8 heap growing percent',
        10_000,
      );
      assert.equal(line['percent'], SERVING_HEAP_GROWING_PERCENT, child.name);
      assert.equal(line['source'], 'shardmesh', child.name);
      const serving = logs.lines.findIndex((l) => /^(router|shard) serving$/.test(l.msg));
      assert.ok(serving === -1 || logs.lines.indexOf(line) < serving, `${child.name}: set before serving`);
    }
  });
});
