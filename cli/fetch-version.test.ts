import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { validatePlan } from '../lib/plan/validate.js';
import type { Plan } from '../lib/plan/schema.js';
import { fetchVersion } from './fetch-version.js';

/** `shardmesh fetch`'s download over real HTTP: sizes and SHA-256s checked, the folder replaced whole. */
void describe('fetchVersion over HTTP', () => {
  const files: Record<string, Buffer> = {
    'p0.onnx': Buffer.from('partition zero'),
    'p1.onnx': Buffer.from('partition one, a little longer'),
  };
  let served: Record<string, Buffer> = { ...files };
  let server: Server;
  let base: string;
  let out: string;
  before(async () => {
    server = createServer((request, response) => {
      const body = served[path.basename(request.url ?? '')];
      response.writeHead(body ? 200 : 404).end(body);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mv/1`;
    out = await mkdtemp(path.join(tmpdir(), 'shardmesh-fetch-'));
  });
  after(async () => {
    server.close();
    await rm(out, { recursive: true, force: true });
  });

  const plan = (version: string): Plan =>
    validatePlan({
      name: 'mv',
      version,
      inputs: [{ name: 'x', datatype: 'FP32', shape: [-1] }],
      outputs: [{ name: 'y', datatype: 'FP32', shape: [-1] }],
      stages: [
        {
          name: 'main',
          partitions: Object.entries(files).map(([file, bytes]) => ({
            file,
            bytes: bytes.length,
            sha256: createHash('sha256').update(bytes).digest('hex'),
            url: `${base}/${file}`,
          })),
          inputs: [{ name: 'x', scatter: { kind: 'split', axis: 0 } }],
          outputs: [{ name: 'y', gather: { kind: 'concat', axis: 0 } }],
        },
      ],
    });

  test('writes every partition file and the published plan.json', async () => {
    const dir = await fetchVersion(plan('1'), out);
    assert.deepEqual((await readdir(dir)).sort(), ['p0.onnx', 'p1.onnx', 'plan.json']);
    assert.deepEqual(await readFile(path.join(dir, 'p1.onnx')), files['p1.onnx']);
    assert.deepEqual(JSON.parse(await readFile(path.join(dir, 'plan.json'), 'utf8')), plan('1'));
  });

  test('a served file whose SHA-256 differs is refused, and no version folder is left', async () => {
    served = { ...files, 'p1.onnx': Buffer.from('partition ONE, a little longer') };
    await assert.rejects(fetchVersion(plan('2'), out), /SHA-256 [0-9a-f]{64} differs from the plan's/);
    assert.deepEqual(
      (await readdir(path.join(out, 'mv'))).filter((n) => n === '2' || n.startsWith('.2.')),
      [],
    );
  });

  test('a longer or missing file is refused', async () => {
    served = { ...files, 'p0.onnx': Buffer.concat([files['p0.onnx']!, Buffer.from('!')]) };
    await assert.rejects(fetchVersion(plan('3'), out), /more than the plan's 14 bytes/);
    served = { 'p0.onnx': files['p0.onnx']! };
    await assert.rejects(fetchVersion(plan('3'), out), /HTTP 404/);
  });
});
