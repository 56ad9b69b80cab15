import { Metadata, type Client, type ServiceError as GrpcError } from '@grpc/grpc-js';
import { channelCredentials, loadTlsFiles, type TlsFiles } from '../certs/credentials.js';
import { loadInferencePackage } from '../lib/grpc/protos.js';

type Unary = (
  request: object,
  metadata: Metadata,
  options: { deadline?: Date },
  callback: (error: GrpcError | null, response: unknown) => void,
) => void;

/**
 * A small promise-based client of the Open Inference Protocol, for the CLI, tests and
 * benchmarks. Responses are the proto-loader plain objects.
 */
export class InferenceClient {
  private constructor(readonly raw: Client) {}

  static async connect(
    address: string,
    tls: TlsFiles,
    options: Record<string, unknown> = {},
  ): Promise<InferenceClient> {
    const Ctor = loadInferencePackage().service;
    const creds = channelCredentials(await loadTlsFiles(tls));
    return new InferenceClient(
      new Ctor(address, creds, {
        'grpc.max_receive_message_length': -1,
        'grpc.max_send_message_length': -1,
        // Large responses would otherwise wait for a window update every 64 KiB.
        'grpc-node.flow_control_window': 16 << 20,
        ...options,
      }),
    );
  }

  call<T = Record<string, unknown>>(method: string, request: object, timeoutMs = 30_000): Promise<T> {
    const fn = (this.raw as unknown as Record<string, Unary>)[method];
    if (!fn) throw new TypeError(`GRPCInferenceService has no method ${method}`);
    return new Promise((resolve, reject) =>
      fn.call(
        this.raw,
        request,
        new Metadata(),
        { deadline: new Date(Date.now() + timeoutMs) },
        (error, response) => (error ? reject(error) : resolve(response as T)),
      ),
    );
  }

  /** Resolves once the server reports `model` ready (every partition has a replica); polls every 100 ms. */
  async waitForModel(model: string, timeoutMs = 30_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const ready = await this.call<{ ready: boolean }>(
        'ModelReady',
        { name: model, version: '' },
        2_000,
      ).catch(() => ({ ready: false }));
      if (ready.ready) return;
      if (Date.now() > until) throw new Error(`model ${model} was not ready within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  close(): void {
    this.raw.close();
  }
}
