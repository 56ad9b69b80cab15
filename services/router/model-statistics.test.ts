import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ModelStatisticsBook } from './model-statistics.js';

void describe('ModelStatisticsBook', () => {
  void test('counts successes, failures and batch elements per model version', () => {
    const book = new ModelStatisticsBook();
    const before = Date.now();
    book.record('m', '1', true, 100, 3, { computeInput: 5, queue: 20, computeInfer: 70, computeOutput: 4 });
    book.recordExecution('m', '1', 3, 90);
    book.record('m', '1', true, 50, 1, { computeInput: 1, queue: 0, computeInfer: 45, computeOutput: 2 });
    book.recordExecution('m', '1', 1, 40);
    book.record('m', '1', false, 7, 5);
    book.record('m', '2', false, 1);
    const [one, two, other] = book.snapshot([
      { name: 'm', version: '1' },
      { name: 'm', version: '2' },
      { name: 'n', version: '1' },
    ]) as {
      name: string;
      version: string;
      last_inference: number;
      inference_count: number;
      execution_count: number;
      inference_stats: object;
      batch_stats: object[];
    }[];
    assert.deepEqual(
      { ...one, last_inference: 0 },
      {
        name: 'm',
        version: '1',
        last_inference: 0,
        // 3 + 1 batch elements that succeeded; the failed request's 5 do not count.
        inference_count: 4,
        execution_count: 2,
        // Phases count successes only, each once per request.
        inference_stats: {
          success: { count: 2, ns: 150 },
          fail: { count: 1, ns: 7 },
          queue: { count: 2, ns: 20 },
          compute_input: { count: 2, ns: 6 },
          compute_infer: { count: 2, ns: 115 },
          compute_output: { count: 2, ns: 6 },
        },
        batch_stats: [
          { batch_size: 1, compute_infer: { count: 1, ns: 40 } },
          { batch_size: 3, compute_infer: { count: 1, ns: 90 } },
        ],
      },
    );
    assert.ok(one!.last_inference >= before);
    assert.equal(two!.inference_count, 0);
    const none = { count: 0, ns: 0 };
    const phases = { queue: none, compute_input: none, compute_infer: none, compute_output: none };
    assert.deepEqual(two!.inference_stats, { success: none, fail: { count: 1, ns: 1 }, ...phases });
    assert.deepEqual(other, {
      name: 'n',
      version: '1',
      last_inference: 0,
      inference_count: 0,
      execution_count: 0,
      inference_stats: { success: none, fail: none, ...phases },
      batch_stats: [],
    });
  });

  void test('batched requests count once each, their shared execution once', () => {
    const book = new ModelStatisticsBook();
    for (const size of [1, 2, 1]) book.record('m', '1', true, 10, size);
    book.recordExecution('m', '1', 4, 30);
    const [m] = book.snapshot([{ name: 'm', version: '1' }]) as {
      inference_count: number;
      execution_count: number;
      batch_stats: object[];
    }[];
    assert.deepEqual(
      [m!.inference_count, m!.execution_count, m!.batch_stats],
      [4, 1, [{ batch_size: 4, compute_infer: { count: 1, ns: 30 } }]],
    );
  });
});
