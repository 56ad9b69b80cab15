import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Plan } from '../lib/plan/schema.js';
import {
  chooseMaxBatchSize,
  DEFAULT_MAX_BATCH_SIZE,
  describeBatchDimension,
  hasBatchDimension,
} from './batch-dimension.js';

const tensor = (name: string, shape: number[]) => ({ name, datatype: 'INT32' as const, shape });

/** A one-stage plan over `inputs` and `outputs`, its one input split on `axis` across `partitions`. */
function plan(shapes: { inputs: number[][]; outputs: number[][] }, partitions = 1, axis = 0): Plan {
  const inputs = shapes.inputs.map((s, i) => tensor(`in${i}`, s));
  const outputs = shapes.outputs.map((s, i) => tensor(`out${i}`, s));
  return {
    name: 'm',
    version: '1',
    strategy: 'batch',
    maxBatchSize: 0,
    inputs,
    outputs,
    stages: [
      {
        name: 'batch',
        partitions: Array.from({ length: partitions }, (_, p) => ({ file: `p${p}.onnx` })),
        inputs: inputs.map(({ name }) => ({ name, scatter: { kind: 'split' as const, axis } })),
        outputs: outputs.map(({ name }) => ({ name, gather: { kind: 'concat' as const, axis: 0 } })),
      },
    ],
  } as unknown as Plan;
}

void describe('batch dimension detection', () => {
  void it('needs dim 0 dynamic in every input and output', () => {
    assert.equal(
      hasBatchDimension(
        plan({
          inputs: [
            [-1, 16],
            [-1, 16],
          ],
          outputs: [[-1, 16]],
        }),
      ),
      true,
    );
    assert.equal(
      hasBatchDimension(
        plan({
          inputs: [
            [-1, 16],
            [4, 16],
          ],
          outputs: [[-1, 16]],
        }),
      ),
      false,
    );
    assert.equal(hasBatchDimension(plan({ inputs: [[-1, 16]], outputs: [[16, -1]] })), false);
    assert.equal(hasBatchDimension(plan({ inputs: [[]], outputs: [[-1]] })), false, 'a scalar has no dim 0');
  });

  void it('defaults to 8, or to the partitions a stage splits dim 0 across when that is more', () => {
    const shapes = { inputs: [[-1, 16]], outputs: [[-1, 16]] };
    assert.deepEqual(chooseMaxBatchSize(plan(shapes, 2), undefined), {
      detected: true,
      maxBatchSize: DEFAULT_MAX_BATCH_SIZE,
      source: 'detected',
    });
    assert.equal(chooseMaxBatchSize(plan(shapes, 12), undefined).maxBatchSize, 12);
    assert.equal(chooseMaxBatchSize(plan(shapes, 12, 1), undefined).maxBatchSize, 8, 'dim 1 split');
    assert.deepEqual(chooseMaxBatchSize(plan(shapes), 0), {
      detected: true,
      maxBatchSize: 0,
      source: 'option',
    });
    assert.deepEqual(chooseMaxBatchSize(plan({ inputs: [[4, 16]], outputs: [[4, 16]] }), undefined), {
      detected: false,
      maxBatchSize: 0,
      source: 'none',
    });
  });

  void it("says what it chose in split's report", () => {
    assert.equal(
      describeBatchDimension({ detected: true, maxBatchSize: 8, source: 'detected' }),
      'batch dimension detected on dim 0; max_batch_size 8; override with --max-batch-size N, 0 to turn off',
    );
    assert.match(describeBatchDimension({ detected: true, maxBatchSize: 0, source: 'option' }), /turned off/);
    assert.match(
      describeBatchDimension({ detected: false, maxBatchSize: 0, source: 'none' }),
      /no batch dimension/,
    );
    assert.match(
      describeBatchDimension({ detected: false, maxBatchSize: 4, source: 'option' }),
      /max_batch_size 4/,
    );
  });
});
