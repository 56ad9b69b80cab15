import { randomUUID } from 'node:crypto';
import type { Plan } from '../../lib/plan/schema.js';
import type { Tensor } from '../../lib/tensor/tensor.js';
import type { Logger } from '../../lib/log.js';
import type { RoutingTable } from './routing-table.js';
import type { ExecutionTiming, ModelStatisticsBook } from './model-statistics.js';
import { executePlan, type ExecutionContext } from './plan-executor.js';
import { DynamicBatcher, systemBatchClock, type BatchClock, type BatchMember } from './dynamic-batcher.js';
import { concatBatch, splitBatch } from './batch-split.js';

/** One request as the batcher carries it: its decoded inputs and the outputs it asked for. */
export interface BatchableRequest {
  readonly requestId: string;
  readonly inputs: ReadonlyMap<string, Tensor>;
  readonly requested: readonly string[];
  /** Filled with when the batch it joins runs, for the request's statistics. */
  readonly timing?: ExecutionTiming;
}

export interface ModelBatchersOptions {
  readonly table: () => RoutingTable;
  readonly statistics: ModelStatisticsBook;
  readonly execution: Omit<ExecutionContext, 'requestId' | 'deadline' | 'signal' | 'log'>;
  readonly log: Logger;
  /**
   * Batches in flight per replica of the model's least replicated partition: the router's
   * counterpart of Triton's instance count. Requests queue while that many run. @default 1
   */
  readonly batchesPerReplica?: number;
  /** @default systemBatchClock */
  readonly clock?: BatchClock;
}

/**
 * A DynamicBatcher per model version whose plan has `dynamicBatching`, made on first use and kept
 * with its plan object (a catalog reload makes new plans, and so new batchers; the old ones drain).
 * A batch runs as one request of `sum(batch counts)` elements with its own request id (a batch of
 * one keeps its request's); its debug line `batch dispatched` lists the member request ids.
 */
export class ModelBatchers {
  readonly #batchers = new WeakMap<Plan, DynamicBatcher<BatchableRequest, Map<string, Tensor>>>();
  readonly #o: ModelBatchersOptions;

  constructor(options: ModelBatchersOptions) {
    this.#o = options;
  }

  /**
   * Runs `request` in a batch with compatible ones and resolves with its own outputs; undefined
   * when the model does not batch or the request cannot (its inputs disagree on dim 0, or it has
   * none).
   */
  run(
    plan: Plan,
    request: BatchableRequest,
    deadline: Date,
    signal: AbortSignal,
  ): Promise<Map<string, Tensor>> | undefined {
    if (!plan.dynamicBatching) return undefined;
    const inputs = plan.inputs.map((d) => request.inputs.get(d.name)!);
    const size = inputs[0]!.shape[0]!;
    if (size === 0 || inputs.some((t) => t.shape[0] !== size)) return undefined;
    // Non-batch dims, datatypes and requested outputs must match to share an execution.
    const key = JSON.stringify([inputs.map((t) => [t.datatype, t.shape.slice(1)]), request.requested]);
    this.#o.log.debug(
      { requestId: request.requestId, model: plan.name, batchSize: size },
      'queued for a batch',
    );
    return this.#batcher(plan).submit(request, key, size, deadline.getTime(), signal);
  }

  #batcher(plan: Plan): DynamicBatcher<BatchableRequest, Map<string, Tensor>> {
    let batcher = this.#batchers.get(plan);
    if (batcher) return batcher;
    const { table, batchesPerReplica = 1, clock = systemBatchClock } = this.#o;
    const capacity = (): number =>
      batchesPerReplica *
      Math.min(
        ...plan.stages.flatMap((stage) =>
          stage.partitions.map((_, p) => table().replicas(plan.name, plan.version, stage.name, p).length),
        ),
      );
    batcher = new DynamicBatcher(
      {
        maxBatchSize: plan.maxBatchSize,
        preferredBatchSizes: plan.dynamicBatching!.preferredBatchSizes,
        maxQueueDelayMicroseconds: plan.dynamicBatching!.maxQueueDelayMicroseconds,
        capacity,
        clock,
      },
      (members, signal) => this.#execute(plan, members, signal),
    );
    this.#batchers.set(plan, batcher);
    return batcher;
  }

  async #execute(
    plan: Plan,
    members: readonly BatchMember<BatchableRequest>[],
    signal: AbortSignal,
  ): Promise<Map<string, Tensor>[]> {
    // A batch of one keeps its request's id, so the shards' lines name the client's request.
    const requestId = members.length === 1 ? members[0]!.item.requestId : randomUUID();
    const log = this.#o.log.child({ requestId, model: plan.name, version: plan.version });
    const sizes = members.map((m) => m.size);
    const batchSize = sizes.reduce((a, b) => a + b, 0);
    log.debug({ members: members.map((m) => m.item.requestId), batchSize }, 'batch dispatched');
    const inputs = concatBatch(
      members.map((m) => m.item.inputs),
      plan.inputs.map((d) => d.name),
    );
    // The batch runs until its last member's deadline; each member still times out at its own.
    const deadline = new Date(Math.max(...members.map((m) => m.deadlineMs)));
    const started = process.hrtime.bigint();
    const outputs = await executePlan(plan, inputs, {
      ...this.#o.execution,
      requestId,
      deadline,
      signal,
      log,
    });
    const ended = process.hrtime.bigint();
    this.#o.statistics.recordExecution(plan.name, plan.version, batchSize, Number(ended - started));
    for (const { item } of members)
      if (item.timing) Object.assign(item.timing, { startedNs: started, endedNs: ended });
    return splitBatch(outputs, sizes, members[0]!.item.requested);
  }
}
