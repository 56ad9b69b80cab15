import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PACKAGE_ROOT } from '../cli/paths.js';
import { protoRoot } from '../lib/grpc/protos.js';
import type { PreparedRepository } from '../partition/models/demo-models.js';
import { randomTensor } from '../partition/models/synthetic.js';
import { runModel } from '../partition/verify/verify.js';
import { makeCertificates, prepareTestModels, startMesh, type Mesh } from './harness/mesh.js';
import { runTool, toolPath } from './harness/tools.js';

/**
 * `shard.proto` is a contract any language can call: Python stubs generated from it at test time
 * (grpcio-tools) call a real shard process over mutual TLS with one call on one stream, and the
 * answer is the partition's own output, computed here by ONNX Runtime on the partition file.
 */
describe('a shard called by stubs generated from shard.proto in Python', () => {
  let models: PreparedRepository;
  let certs: Awaited<ReturnType<typeof makeCertificates>>;
  let mesh: Mesh;
  let work: string;

  before(async () => {
    models = await prepareTestModels();
    certs = await makeCertificates([
      ['router', 'router'],
      ['shard', 'shard-0'],
      ['client', 'client'],
    ]);
    mesh = await startMesh({ certsDir: certs.dir, shards: [{ name: 'shard-0', serve: ['mlp/1/*/0'] }] });
    work = await mkdtemp(path.join(tmpdir(), 'shardmesh-stub-'));
  });

  after(async () => {
    await mesh?.stop();
    await Promise.all([certs?.cleanup(), work && rm(work, { recursive: true, force: true })]);
  });

  test("one call on one stream, call id left at 0, gets the partition's output, header, chunks and trailer", async () => {
    const plan = JSON.parse(await readFile(path.join(models.root, 'mlp', '1', 'plan.json'), 'utf8')) as {
      stages: { name: string; partitions: { file: string }[] }[];
    };
    const stage = plan.stages[0]!;
    const x = randomTensor('x', [2, 8], 21);
    const input = path.join(work, 'x.raw');
    await writeFile(input, x.data);
    const shard = mesh.shards.get('shard-0')!;
    const result = await runTool(
      toolPath('venv/bin/python'),
      [
        path.join(PACKAGE_ROOT, 'integration', 'clients', 'shard_stub_check.py'),
        protoRoot(),
        work,
        `127.0.0.1:${shard.port}`,
        certs.dir,
        'mlp',
        stage.name,
        '0',
        'x',
        '2,8',
        input,
      ],
      120_000,
    );
    assert.equal(result.code, 0, result.stderr);
    const said = JSON.parse(result.stdout) as {
      kinds: string[];
      call_ids: number[];
      outputs: { name: string; datatype: string; shape: number[] }[];
      data: string;
      instance_id: string;
      error: { code: number; message: string } | null;
    };
    assert.equal(said.error, null, JSON.stringify(said.error));
    assert.equal(said.kinds[0], 'header');
    assert.equal(said.kinds.at(-1), 'trailer');
    assert.ok(said.kinds.slice(1, -1).every((k) => k === 'chunk') && said.kinds.length >= 3);
    assert.ok(
      said.call_ids.every((id) => id === 0),
      'every answer carries the call id 0',
    );
    assert.match(said.instance_id, /^shard-0-/);
    const [expected] = await runModel(path.join(models.root, 'mlp', '1', stage.partitions[0]!.file), [x]);
    assert.deepEqual(said.outputs, [{ name: expected!.name, datatype: 'FP32', shape: expected!.shape }]);
    assert.equal(said.data, expected!.data.toString('hex'), "the shard's bytes are the partition's output");
  });
});
