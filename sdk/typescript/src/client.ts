import { credentials, type Client, type ClientUnaryCall, type Metadata } from '@grpc/grpc-js';
import { callMetadata, deadlineOf, type CallOptions } from './call-options.js';
import { resolveOptions, type ConnectOptions, type ResolvedOptions } from './client-options.js';
import type { DataType } from './datatypes.js';
import { buildInferRequest, type InferInputs, type RequestOptions } from './infer-request.js';
import { InferResult, type InferResponseMessage } from './infer-result.js';
import { InferStream, type OpenStream, type StreamOptions } from './infer-stream.js';
import { inferenceService } from './proto-package.js';
import { readingWhileWriting } from './read-while-writing.js';
import { cancelledError, retrying } from './retry-policy.js';
import { toShardmeshError } from './shardmesh-error.js';

type UnaryMethod = (
  request: object,
  metadata: Metadata,
  options: { deadline?: Date },
  callback: (error: unknown, response: unknown) => void,
) => ClientUnaryCall;

/** Options of `infer`: what the request carries and how the call runs. */
export type InferOptions = RequestOptions & CallOptions;

/** Options of the model calls: the call's, and which version. */
export type ModelCallOptions = CallOptions & {
  /** @default '' (the server chooses) */
  readonly version?: string;
};

/** A tensor as ModelMetadata describes it; -1 marks a dimension of any size. */
export interface TensorMetadata {
  readonly name: string;
  readonly datatype: DataType;
  readonly shape: readonly number[];
}

export interface ModelMetadata {
  readonly name: string;
  readonly versions: readonly string[];
  readonly platform: string;
  readonly inputs: readonly TensorMetadata[];
  readonly outputs: readonly TensorMetadata[];
}

interface TensorMetadataMessage {
  name: string;
  datatype: string;
  shape: string[];
}

/**
 * A client of a shardmesh router (or any Open Inference Protocol server) over gRPC with TLS.
 * Every call rejects with a ShardmeshError; unary calls are retried on UNAVAILABLE as the
 * client's retry options say. One client shares one HTTP/2 connection among all its calls.
 */
export class ShardmeshClient {
  private constructor(
    private readonly raw: Client,
    private readonly options: ResolvedOptions,
  ) {}

  /**
   * A client of the router at `address` (`host:port`). Reads the certificate files, if given,
   * and checks the options (TypeError naming the option); connects on the first call.
   */
  static async connect(address: string, options: ConnectOptions): Promise<ShardmeshClient> {
    const resolved = await resolveOptions(options);
    const { ca, key, cert } = resolved.tls;
    const Service = inferenceService();
    const raw = new Service(
      address,
      // A Node client and the router are two Node HTTP/2 peers: see read-while-writing.ts.
      readingWhileWriting(credentials.createSsl(ca, key ?? null, cert ?? null)),
      resolved.channelOptions,
    );
    return new ShardmeshClient(raw, resolved);
  }

  /** Whether the server is live (ServerLive). */
  async live(options: CallOptions = {}): Promise<boolean> {
    return (await this.unary<{ live: boolean }>('ServerLive', {}, options)).live;
  }

  /** Whether the server is ready: some model has a replica of every partition (ServerReady). */
  async ready(options: CallOptions = {}): Promise<boolean> {
    return (await this.unary<{ ready: boolean }>('ServerReady', {}, options)).ready;
  }

  /** Whether `model` can serve now; rejects with NOT_FOUND for a model the server does not know. */
  async modelReady(model: string, options: ModelCallOptions = {}): Promise<boolean> {
    const request = { name: model, version: options.version ?? '' };
    return (await this.unary<{ ready: boolean }>('ModelReady', request, options)).ready;
  }

  /** `model`'s versions, platform, and its inputs' and outputs' datatypes and shapes. */
  async modelMetadata(model: string, options: ModelCallOptions = {}): Promise<ModelMetadata> {
    const request = { name: model, version: options.version ?? '' };
    const m = await this.unary<{
      name: string;
      versions: string[];
      platform: string;
      inputs: TensorMetadataMessage[];
      outputs: TensorMetadataMessage[];
    }>('ModelMetadata', request, options);
    const tensor = (t: TensorMetadataMessage): TensorMetadata => ({
      name: t.name,
      // As the server names it; an unknown name passes through for the caller to judge.
      datatype: t.datatype as DataType,
      shape: t.shape.map(Number),
    });
    return { ...m, inputs: m.inputs.map(tensor), outputs: m.outputs.map(tensor) };
  }

  /**
   * Runs `model` on `inputs` (by name) and decodes its outputs. Inputs travel as raw bytes; the
   * outputs come back as typed arrays (see TensorDataOf). Rejects with INVALID_ARGUMENT before
   * sending when an input's data does not fit its datatype or shape.
   */
  async infer(model: string, inputs: InferInputs, options: InferOptions = {}): Promise<InferResult> {
    const request = buildInferRequest(model, inputs, options);
    const response = await this.unary<InferResponseMessage>('ModelInfer', request, options);
    return InferResult.fromMessage(response);
  }

  /**
   * Opens a ModelStreamInfer stream: send requests on it and iterate its answers, one per
   * request, each an InferResult or that request's own ShardmeshError. Streams are not retried.
   */
  async stream(options: StreamOptions = {}): Promise<InferStream> {
    const deadlineMs = deadlineOf(options, undefined);
    const metadata = await callMetadata(options, this.options.token);
    const open = (this.raw as unknown as { ModelStreamInfer: OpenStream }).ModelStreamInfer;
    return new InferStream(open.bind(this.raw), metadata, deadlineMs, options.signal);
  }

  /** Closes the connection; calls in flight fail with CANCELLED or UNAVAILABLE. */
  close(): void {
    this.raw.close();
  }

  private unary<T>(method: string, request: object, options: CallOptions): Promise<T> {
    const deadlineMs = deadlineOf(options, this.options.defaultTimeoutMs)!;
    return retrying(
      async () =>
        this.attempt<T>(
          method,
          request,
          await callMetadata(options, this.options.token),
          deadlineMs,
          options.signal,
        ),
      { policy: this.options.retry, signal: options.signal, deadlineMs, onRetry: options.onRetry },
    );
  }

  /** One try of a unary call; an abort of `signal` cancels it and it rejects with CANCELLED. */
  private attempt<T>(
    method: string,
    request: object,
    metadata: Metadata,
    deadlineMs: number,
    signal: AbortSignal | undefined,
  ): Promise<T> {
    const fn = (this.raw as unknown as Record<string, UnaryMethod>)[method]!;
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => call.cancel();
      const call = fn.call(
        this.raw,
        request,
        metadata,
        { deadline: new Date(deadlineMs) },
        (error, response) => {
          signal?.removeEventListener('abort', onAbort);
          if (signal?.aborted) reject(cancelledError(signal));
          else if (error) reject(toShardmeshError(error));
          else resolve(response as T);
        },
      );
      signal?.addEventListener('abort', onAbort, { once: true });
      if (signal?.aborted) call.cancel();
    });
  }
}
