import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { randomTensor } from '../partition/models/synthetic.js';
import { rawInferRequest, type InferResponse } from './harness/compare.js';
import { makeCertificates, prepareTestModels, startMesh, type Mesh } from './harness/mesh.js';

/**
 * Megabytes both ways on one router → shard connection at once: the demo's ocr-rec (PP-OCR's
 * recogniser cut backbone → head × 2 → tail) with the bench's 48 × 320 input, 16 requests at a
 * time, so the router sends later calls' inputs and intermediate tensors to shard-0 while shard-0
 * sends earlier calls' outputs back. Two Node HTTP/2 peers that each stop reading while their
 * own write waits stalled here until every call's deadline (lib/grpc/read-while-writing.ts).
 */
describe('a router and shard connection loaded both ways at once', () => {
  let certs: Awaited<ReturnType<typeof makeCertificates>>;
  let mesh: Mesh;
  const CONCURRENT = 16;
  const ROUNDS = 3;

  before(async () => {
    await prepareTestModels();
    certs = await makeCertificates([
      ['router', 'router'],
      ['client', 'client'],
      ['shard', 'shard-0'],
      ['shard', 'shard-1'],
    ]);
    mesh = await startMesh({
      certsDir: certs.dir,
      shards: [
        { name: 'shard-0', serve: ['ocr-rec/*/*/0'] },
        { name: 'shard-1', serve: ['ocr-rec/*/*/1'] },
      ],
      models: ['ocr-rec'],
    });
  });

  after(async () => {
    await mesh?.stop();
    await certs?.cleanup();
  });

  test(`${CONCURRENT} concurrent pipeline requests answer, round after round, without stalling`, async () => {
    const inputs = Array.from({ length: CONCURRENT }, (_, i) => randomTensor('x', [1, 3, 48, 320], 100 + i));
    const solo = await mesh.client.call<InferResponse>(
      'ModelInfer',
      rawInferRequest('ocr-rec', [inputs[0]!]),
    );
    for (let round = 0; round < ROUNDS; round++) {
      const started = Date.now();
      const answers = await Promise.allSettled(
        inputs.map((x) =>
          mesh.client.call<InferResponse>('ModelInfer', rawInferRequest('ocr-rec', [x]), 20_000),
        ),
      );
      const failed = answers.flatMap((a) => (a.status === 'rejected' ? [String(a.reason)] : []));
      assert.deepEqual(
        failed,
        [],
        `round ${round}: ${failed.length} of ${CONCURRENT} failed after ${Date.now() - started} ms`,
      );
      // The answers are the model's: the first input's, computed alone, matches under load.
      const first = (answers[0] as PromiseFulfilledResult<InferResponse>).value;
      assert.ok(
        first.raw_output_contents[0]!.equals(solo.raw_output_contents[0]!),
        `round ${round}: first answer`,
      );
    }
  });
});
