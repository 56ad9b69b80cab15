import path from 'node:path';
import type { Plan } from '../lib/plan/schema.js';
import type { KeyEncryptionKey } from '../lib/seal/key-file.js';
import { PlanError } from '../lib/plan/validate.js';
import type { TensorDifference } from './verify/compare.js';
import { loadModel, type ModelProto } from './onnx/graph.js';
import { weightBytes } from './onnx/weights.js';
import { chooseMaxBatchSize, type BatchDimensionChoice } from './batch-dimension.js';
import type { PartitionedModel } from './onnx/partitioned-model.js';
import { SplitError, SplitOptionError } from './split-error.js';
import { splitAuto, type AutoChoice } from './strategies/auto/auto.js';
import { splitBatch } from './strategies/batch/batch.js';
import { splitHead } from './strategies/head/head.js';
import { splitPipeline } from './strategies/pipeline/pipeline.js';
import { splitTensorParallel } from './strategies/tensor/tensor.js';
import { verifySplit } from './verify/verify.js';
import { writePartitionedModel, type WriteOptions } from './onnx/write.js';

/**
 * `shardmesh split`, as a function: load, split, write (atomically, as lib/plan/version-swap.ts
 * describes: a failed or killed split leaves `out` as it was, and its temporary folders go on the
 * next run), and optionally verify against the unsplit model. It returns what happened instead of
 * printing or exiting, so tests call it directly and the CLI only formats the result
 * (`cli/split-report.ts`).
 */

export const STRATEGIES = ['batch', 'tensor', 'pipeline', 'head', 'auto'] as const;
export type SplitStrategy = (typeof STRATEGIES)[number];
export type SplitStep = 'load' | 'split' | 'write' | 'verify';

export interface SplitCommandOptions {
  /** The unsplit ONNX file. */
  readonly model: string;
  /** The `models/NAME/VERSION` folder to write. */
  readonly out: string;
  readonly strategy: SplitStrategy;
  /** Partitions (stages, for pipeline). Needed unless pipeline `cuts` imply it. */
  readonly partitions?: number;
  /** Pipeline only: tensor names to cut after. */
  readonly cuts?: readonly string[];
  /** Auto only: most weight bytes one partition may hold. @default no limit */
  readonly maxPartitionBytes?: number;
  /** Head only: gather the head with a top-k of this many. @default concat */
  readonly topk?: number;
  /** @default the parent folder's name of `out` */
  readonly name?: string;
  /** @default the last folder of `out` */
  readonly version?: string;
  /**
   * The plan's maxBatchSize (Triton's max_batch_size); 0 declares no batch dimension.
   * @default DEFAULT_MAX_BATCH_SIZE (batch-dimension.ts) when dim 0 of every input and output is
   * dynamic, else 0
   */
  readonly maxBatchSize?: number;
  /** The plan's dynamicBatching section; the write refuses a plan that cannot batch. @default none */
  readonly dynamicBatching?: Plan['dynamicBatching'];
  /** Run the partitions against the unsplit model after writing. @default false */
  readonly verify?: boolean;
  /** Largest accepted max-relative difference per output. @default 1e-5 */
  readonly tolerance?: number;
  /** Seed of the verification inputs. @default 1 */
  readonly seed?: number;
  /**
   * Seal the partitions under a fresh data key wrapped with this key-encryption key
   * (`split --seal --key-file`, lib/seal); `verify` then opens them in memory. @default clear
   */
  readonly seal?: KeyEncryptionKey;
  /** Called as each step starts. */
  readonly onStep?: (step: SplitStep) => void;
  /** Awaited at each step of replacing `out` (lib/plan/version-swap.ts): a seam for kill tests. */
  readonly onWriteStep?: WriteOptions['onStep'];
  /**
   * Strategies to run instead of the built-in ones, by name: a seam for tests of how the command
   * treats what a strategy throws. @default the strategies in `strategies/`
   */
  readonly splitters?: Partial<Record<SplitStrategy, Splitter>>;
}

/** The plan's name and version. */
export interface SplitIdentity {
  readonly name: string;
  readonly version: string;
}

/** What a strategy made; `choice` only from `auto`. */
export interface SplitOutcome {
  readonly split: PartitionedModel;
  readonly choice?: AutoChoice;
}

/**
 * One strategy as `runSplitCommand` calls it, with the command's options (checked: `partitions` is
 * set unless a pipeline's `cuts` imply it). It throws a SplitError or SplitOptionError to refuse;
 * anything else it throws is a crash.
 */
export type Splitter = (
  model: ModelProto,
  options: SplitCommandOptions,
  identity: SplitIdentity,
) => Promise<SplitOutcome>;

/**
 * 0: done (and verified within tolerance); 1: verification beyond tolerance; 2: the split was
 * refused. A crash has no code here: `runSplitCommand` rejects, and the CLI gives it its own.
 */
export type SplitExitCode = 0 | 1 | 2;

export interface SplitCommandResult {
  readonly exitCode: SplitExitCode;
  /**
   * Why the split was refused: the model file could not be loaded, or the message of a SplitError,
   * SplitOptionError or PlanError. Any other error is a crash and `runSplitCommand` rejects with it.
   */
  readonly error?: string;
  readonly plan?: Plan;
  /** Whether a batch dimension was detected and the max_batch_size written (batch-dimension.ts). */
  readonly batchDimension?: BatchDimensionChoice;
  /** For `auto`: what it chose and why. */
  readonly choice?: AutoChoice;
  readonly originalWeightBytes?: number;
  readonly verification?: {
    readonly tolerance: number;
    readonly seed: number;
    readonly batch: number;
    readonly outputs: readonly (TensorDifference & { readonly ok: boolean })[];
  };
  /** Milliseconds each step took. */
  readonly stepMs: Partial<Record<SplitStep, number>>;
}

/** Name and version from `out` = `.../NAME/VERSION` unless given. */
export function identityFromOut(out: string, name?: string, version?: string): SplitIdentity {
  const resolved = path.resolve(out);
  const identity = {
    name: name ?? path.basename(path.dirname(resolved)),
    version: version ?? path.basename(resolved),
  };
  if (!/^[0-9]+$/.test(identity.version)) {
    throw new SplitOptionError(
      'version',
      `version "${identity.version}" is not digits: give --version, or an --out ending in NAME/VERSION`,
    );
  }
  return identity;
}

function checkOptions(o: SplitCommandOptions): void {
  if (!STRATEGIES.includes(o.strategy))
    throw new SplitOptionError(
      'strategy',
      `--strategy must be one of ${STRATEGIES.join(', ')}, not "${o.strategy}"`,
    );
  if (o.cuts && o.cuts.length > 0 && o.strategy !== 'pipeline')
    throw new SplitOptionError('cut', '--cut applies to --strategy pipeline only');
  if (o.topk !== undefined && o.strategy !== 'head')
    throw new SplitOptionError('topk', '--topk applies to --strategy head only');
  if (o.maxPartitionBytes !== undefined && o.strategy !== 'auto')
    throw new SplitOptionError(
      'max-partition-bytes',
      '--max-partition-bytes applies to --strategy auto only',
    );
  if (o.partitions === undefined && !(o.strategy === 'pipeline' && o.cuts && o.cuts.length > 0))
    throw new SplitOptionError(
      'partitions',
      '--partitions is needed (except for a pipeline given its --cut points)',
    );
}

const SPLITTERS: Record<SplitStrategy, Splitter> = {
  batch: async (model, o, identity) => ({
    split: splitBatch(model, { ...identity, partitions: o.partitions! }),
  }),
  tensor: async (model, o, identity) => ({
    split: await splitTensorParallel(model, { ...identity, partitions: o.partitions! }),
  }),
  pipeline: async (model, o, identity) => ({
    split: await splitPipeline(model, {
      ...identity,
      ...(o.partitions !== undefined ? { partitions: o.partitions } : {}),
      ...(o.cuts && o.cuts.length > 0 ? { cuts: o.cuts } : {}),
    }),
  }),
  head: async (model, o, identity) => ({
    split: await splitHead(model, {
      ...identity,
      partitions: o.partitions!,
      ...(o.topk !== undefined ? { topk: o.topk } : {}),
    }),
  }),
  auto: (model, o, identity) =>
    splitAuto(model, {
      ...identity,
      partitions: o.partitions!,
      ...(o.maxPartitionBytes !== undefined ? { maxPartitionBytes: o.maxPartitionBytes } : {}),
    }),
};

/** The splitter's own refusals; anything else thrown while splitting or writing is a bug. */
const isRefusal = (error: unknown): error is Error =>
  error instanceof SplitError || error instanceof SplitOptionError || error instanceof PlanError;

/** An error Node's fs raised, with its `code` (ENOENT, EACCES, ...). */
const isSystemError = (error: unknown): error is NodeJS.ErrnoException =>
  error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string';

/** The batch verification feeds: enough rows that every partition of a batch split gets one. */
function verifyBatch(plan: Plan): number {
  const splits = plan.stages.filter((s) => s.inputs.some((i) => i.scatter.kind === 'split'));
  return Math.max(1, ...splits.map((s) => s.partitions.length));
}

export async function runSplitCommand(o: SplitCommandOptions): Promise<SplitCommandResult> {
  const stepMs: Partial<Record<SplitStep, number>> = {};
  const step = async <T>(name: SplitStep, run: () => Promise<T>): Promise<T> => {
    o.onStep?.(name);
    const start = performance.now();
    try {
      return await run();
    } finally {
      stepMs[name] = Math.round(performance.now() - start);
    }
  };
  let identity: SplitIdentity;
  try {
    checkOptions(o);
    identity = identityFromOut(o.out, o.name, o.version);
  } catch (error) {
    if (error instanceof SplitOptionError) return { exitCode: 2, error: error.message, stepMs };
    throw error;
  }
  let model: ModelProto;
  try {
    model = await step('load', () => loadModel(o.model));
  } catch (error) {
    // Reading and decoding are the file's fault (missing, unreadable, not an ONNX model).
    const reason = error instanceof Error ? error.message : String(error);
    return { exitCode: 2, error: `cannot load ${o.model}: ${reason}`, stepMs };
  }
  const originalWeightBytes = weightBytes(model);
  const splitter = o.splitters?.[o.strategy] ?? SPLITTERS[o.strategy];
  const refused = (error: string): SplitCommandResult => ({
    exitCode: 2,
    error,
    originalWeightBytes,
    stepMs,
  });
  let result: SplitOutcome;
  try {
    result = await step('split', () => splitter(model, o, identity));
  } catch (error) {
    if (isRefusal(error)) return refused(error.message);
    throw error;
  }
  let plan: Plan;
  const batchDimension = chooseMaxBatchSize(result.split.plan, o.maxBatchSize);
  try {
    const batching = {
      maxBatchSize: batchDimension.maxBatchSize,
      ...(o.dynamicBatching ? { dynamicBatching: o.dynamicBatching } : {}),
    };
    plan = await step('write', () =>
      writePartitionedModel(o.out, { ...result.split.plan, ...batching }, result.split.models, {
        ...(o.onWriteStep ? { onStep: o.onWriteStep } : {}),
        ...(o.seal ? { seal: o.seal } : {}),
      }),
    );
  } catch (error) {
    if (isRefusal(error)) return refused(error.message);
    // The file system's refusals (EACCES, ENOSPC, ...) are the environment's, not the splitter's.
    if (isSystemError(error)) return refused(`cannot write ${o.out}: ${error.message}`);
    throw error;
  }
  const done = {
    plan,
    batchDimension,
    originalWeightBytes,
    stepMs,
    ...(result.choice ? { choice: result.choice } : {}),
  };
  if (!o.verify) return { exitCode: 0, ...done };
  const tolerance = o.tolerance ?? 1e-5;
  const seed = o.seed ?? 1;
  const batch = verifyBatch(plan);
  const report = await step('verify', () =>
    verifySplit(o.model, o.out, { seed, batch, ...(o.seal ? { kek: o.seal } : {}) }),
  );
  const outputs = report.outputs.map((d) => ({ ...d, ok: d.maxRel <= tolerance }));
  return {
    exitCode: outputs.every((d) => d.ok) ? 0 : 1,
    ...done,
    verification: { tolerance, seed, batch, outputs },
  };
}
