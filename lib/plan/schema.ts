import { z } from 'zod';
import { DATATYPES } from '../tensor/dtype.js';

/**
 * The partition plan: `plan.json` beside the partition `.onnx` files in
 * `models/<name>/<version>/`. Stages run in order and chain by tensor name; every partition of a
 * stage runs the same inputs (scattered) and its outputs are gathered into whole tensors that later
 * stages and the client see.
 */

const datatype = z.enum(Object.keys(DATATYPES) as [keyof typeof DATATYPES, ...(keyof typeof DATATYPES)[]]);

/** A dim of -1 is dynamic: any size is accepted there. */
export const tensorSpecSchema = z.object({
  name: z.string().min(1),
  datatype,
  shape: z.array(z.number().int().min(-1)),
});

export const scatterSchema = z.discriminatedUnion('kind', [
  /** Every partition gets the whole tensor. */
  z.object({ kind: z.literal('replicate') }),
  /** Partition p gets the p-th of N near-equal slices along `axis` (numpy's array_split). */
  z.object({ kind: z.literal('split'), axis: z.number().int() }),
]);

export const gatherSchema = z.discriminatedUnion('kind', [
  /** Partition outputs laid side by side along `axis`, in partition order. */
  z.object({ kind: z.literal('concat'), axis: z.number().int() }),
  /** Element-wise sum of the partition outputs (row-parallel MatMul). */
  z.object({ kind: z.literal('sum') }),
  /** Element-wise mean of the partition outputs. */
  z.object({ kind: z.literal('mean') }),
  /**
   * Each partition returns its local top-k along the last axis as this output (values) and
   * `indices` (INT64, local column numbers); the merge keeps the global top `k`, ties going to
   * the lower global index, offsetting each partition's indices by `columnOffsets[p]`.
   */
  z.object({
    kind: z.literal('topk'),
    k: z.number().int().positive(),
    indices: z.string().min(1),
    columnOffsets: z.array(z.number().int().min(0)),
  }),
]);

/** Canonical base64 (with padding) of exactly `bytes` bytes. */
const base64Of = (bytes: number): z.ZodType<string> =>
  z.string().refine((text) => {
    const decoded = Buffer.from(text, 'base64');
    return decoded.length === bytes && decoded.toString('base64') === text;
  }, `must be base64 of ${bytes} bytes`);

/**
 * How one partition file was sealed (lib/seal/seal-file.ts): AES-256-GCM under the version's data
 * key, with the file name of the partition as additional authenticated data. The file holds the
 * ciphertext only; its size and SHA-256 let a shard say "truncated" or "changed" before it
 * decrypts, and GCM's tag refuses whatever else does not belong together.
 */
export const sealedFileSchema = z
  .object({
    /** 12 random bytes, fresh for every file. */
    nonce: base64Of(12),
    /** GCM's 16-byte authentication tag. */
    tag: base64Of(16),
    /** SHA-256 of the sealed file as it is on disk, lowercase hex. */
    sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits'),
    /** Size of the sealed file. */
    bytes: z.number().int().min(0),
  })
  .strict();

/**
 * A sealed version's data key (lib/seal/data-key.ts): 32 random bytes made for this model version,
 * wrapped with AES-256-GCM under the operator's key-encryption key. Only shards given that key
 * open it; the router never needs it.
 */
export const sealingSchema = z
  .object({
    algorithm: z.literal('AES-256-GCM'),
    /** First 16 hex digits of the SHA-256 of the key-encryption key (lib/seal/key-file.ts). */
    keyId: z.string().regex(/^[0-9a-f]{16}$/, 'must be 16 lowercase hex digits'),
    wrappedKey: z.object({ nonce: base64Of(12), ciphertext: base64Of(32), tag: base64Of(16) }).strict(),
  })
  .strict();

export const partitionSchema = z.object({
  /** Path of the partition's ONNX file, relative to the plan's folder (`….onnx.sealed` when sealed). */
  file: z.string().min(1),
  /** Bytes of weights the partition holds; informational (scheduling, reports). */
  weightBytes: z.number().int().min(0).optional(),
  /** Present exactly when the plan has `sealing`: how this file was sealed. */
  sealed: sealedFileSchema.optional(),
  /**
   * Size and SHA-256 (lowercase hex) of the clear file, both or neither; `shardmesh publish`
   * records them. A shard refuses a file that differs (services/shard/open-partition.ts). A sealed
   * partition's are in `sealed`.
   */
  bytes: z.number().int().min(0).optional(),
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits')
    .optional(),
  /** Where `shardmesh fetch` downloads the file from: a file://, http:// or https:// URL. */
  url: z
    .string()
    .regex(/^(file|https?):\/\//, 'must be a file://, http:// or https:// URL')
    .optional(),
});

export const stageSchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only'),
  partitions: z.array(partitionSchema).min(1),
  inputs: z.array(z.object({ name: z.string().min(1), scatter: scatterSchema })).min(1),
  outputs: z.array(z.object({ name: z.string().min(1), gather: gatherSchema })).min(1),
});

/**
 * Triton's `dynamic_batching`: the router groups concurrent requests to the model along the batch
 * axis (axis 0) into one execution and splits the outputs back. Needs `maxBatchSize` > 0 and a plan
 * that keeps axis 0 as the batch through every stage (`validatePlan` checks).
 */
export const dynamicBatchingSchema = z
  .object({
    /** Batch sizes sent as soon as they can be formed, as Triton's `preferred_batch_size`. @default [] */
    preferredBatchSizes: z.array(z.number().int().positive()).default([]),
    /** Longest a request waits for others to join its batch. @default 0 (send when a replica is free) */
    maxQueueDelayMicroseconds: z.number().int().min(0).default(0),
  })
  .strict();

export const planSchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only'),
  version: z.string().regex(/^[0-9]+$/, 'a positive integer, as in the model repository layout'),
  /** How the plan was cut, for people: `batch`, `tensor`, `pipeline`, `head`, ... */
  strategy: z.string().optional(),
  inputs: z.array(tensorSpecSchema).min(1),
  outputs: z.array(tensorSpecSchema).min(1),
  /** The largest first dim a request may have; 0 when the model has no batch dim (Triton's meaning). */
  maxBatchSize: z.number().int().min(0).default(0),
  /**
   * The most bytes of input tensors one request may carry (the sum over its inputs of elements
   * times element width); a larger request is refused with INVALID_ARGUMENT naming this limit
   * before anything is sent to a shard. Set it to what the model can run within the shards'
   * memory. @default DEFAULT_MAX_REQUEST_BYTES (64 MiB, request-limits.ts)
   */
  maxRequestBytes: z.number().int().positive().optional(),
  stages: z.array(stageSchema).min(1),
  /** Absent: every request runs on its own (the default). */
  dynamicBatching: dynamicBatchingSchema.optional(),
  /** Absent: the partition files are clear ONNX (the default). See docs/sealed-partitions.md. */
  sealing: sealingSchema.optional(),
});

export type TensorSpecJson = z.infer<typeof tensorSpecSchema>;
export type Scatter = z.infer<typeof scatterSchema>;
export type Gather = z.infer<typeof gatherSchema>;
export type StagePlan = z.infer<typeof stageSchema>;
export type DynamicBatching = z.infer<typeof dynamicBatchingSchema>;
export type Plan = z.infer<typeof planSchema>;
export type PartitionPlan = z.infer<typeof partitionSchema>;
export type SealedFile = z.infer<typeof sealedFileSchema>;
export type Sealing = z.infer<typeof sealingSchema>;
