import { setTimeout as sleep } from 'node:timers/promises';
import type { Tensor } from '../../lib/tensor/tensor.js';
import type { ModelRunner } from './model-runner.js';

/**
 * TEST ONLY. Wraps a runner so that every run first waits `delayMs`, giving integration tests a
 * call that is reliably still running on the shard when a deadline passes, a client cancels or a
 * SIGTERM arrives. The wait stops at once when the run's signal aborts, as a runner that can stop
 * early should. A shard gets it only through `ShardOptions.testRunDelayMs`
 * (`SHARDMESH_TEST_RUN_DELAY_MS`); production shards never set it.
 */
export class DelayedRunner implements ModelRunner {
  readonly stopsEarly = true;

  constructor(
    private readonly inner: ModelRunner,
    readonly delayMs: number,
  ) {}

  get inputs(): ModelRunner['inputs'] {
    return this.inner.inputs;
  }

  get outputNames(): ModelRunner['outputNames'] {
    return this.inner.outputNames;
  }

  get weightBytes(): number {
    return this.inner.weightBytes;
  }

  async run(inputs: readonly Tensor[], signal?: AbortSignal): Promise<Tensor[]> {
    await sleep(this.delayMs, undefined, signal ? { signal } : {});
    return this.inner.run(inputs, signal);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
