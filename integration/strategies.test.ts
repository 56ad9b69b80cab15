import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Tensor } from '../lib/tensor/tensor.js';
import { relativeMaxError, runModel } from '../partition/verify/verify.js';
import { rawInferRequest, type InferResponse } from './harness/compare.js';
import { makeCertificates, startMesh, type Mesh } from './harness/mesh.js';
import { strategyCases, writeCases } from './harness/strategy-cases.js';

const { cases, refused } = await strategyCases();

/**
 * Every split strategy on every model it applies to — the real PP-OCRv4 recognizer, the real
 * paraphrase-MiniLM-L3-v2 transformer, a seeded 3-block MLP and a seeded 2-layer transformer —
 * served by real router and shard processes and compared with the unsplit model in-process.
 */
describe('split strategies served through the router', () => {
  let work: string;
  let certs: Awaited<ReturnType<typeof makeCertificates>>;
  let mesh: Mesh;

  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'shardmesh-strategies-'));
    await writeCases(path.join(work, 'models'), cases);
    certs = await makeCertificates([
      ['router', 'router'],
      ['client', 'client'],
      ['shard', 'shard-0'],
      ['shard', 'shard-1'],
    ]);
    mesh = await startMesh({
      registryUrl: `embedded:${path.join(work, 'registry')}`,
      certsDir: certs.dir,
      modelsDir: path.join(work, 'models'),
      shards: [
        { name: 'shard-0', serve: ['*/*/*/0'] },
        { name: 'shard-1', serve: ['*/*/*/1'] },
      ],
    });
    for (const c of cases) await mesh.waitForModel(c.name, 60_000);
  });

  after(async () => {
    await mesh?.stop();
    await certs?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('each strategy applies where the graph allows it, and says why where it does not', () => {
    assert.deepEqual(
      refused.map((r) => r.split(':')[0]),
      ['ocr × tensor', 'minilm × tensor'],
    );
    assert.match(refused[0]!, /Conv.*MatMul\/Gemm/);
  });

  for (const c of cases) {
    test(`${c.model} × ${c.strategy}: ${c.exact ? (c.inexact ? `bitwise (${Object.keys(c.inexact).join(', ')} within 1e-5) equal to` : 'bitwise equal to') : 'within 1e-5 of'} the unsplit model`, async (t) => {
      const expected = await runModel(c.reference, c.inputs);
      const response = await mesh.client.call<InferResponse>(
        'ModelInfer',
        rawInferRequest(c.name, [...c.inputs]),
        120_000,
      );
      const stages = c.split.plan.stages.map((s) => `${s.name}×${s.partitions.length}`).join(' → ');
      t.diagnostic(`${c.name}: ${stages}`);
      for (const [o, out] of response.outputs.entries()) {
        const reference = expected.find((e) => e.name === out.name);
        assert.ok(reference, `output ${out.name} is not in the unsplit model`);
        assert.deepEqual(out.shape.map(Number), reference.shape, out.name);
        const actual: Tensor = { ...reference, data: response.raw_output_contents[o]! };
        const exact = (c.exact && !c.inexact?.[out.name]) || reference.datatype !== 'FP32';
        if (!exact && c.inexact?.[out.name])
          t.diagnostic(`${out.name} is compared within 1e-5: ${c.inexact[out.name]}`);
        if (exact) {
          assert.ok(actual.data.equals(reference.data), `${out.name} differs from the unsplit model`);
        } else {
          const error = relativeMaxError(actual, reference);
          t.diagnostic(`${out.name}: max relative difference ${error.toExponential(2)}`);
          assert.ok(error <= 1e-5, `${out.name}: relative difference ${error}`);
        }
      }
    });
  }
});
