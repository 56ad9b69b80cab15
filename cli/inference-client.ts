import { Metadata, status, type Client, type ServiceError as GrpcError } from '@grpc/grpc-js';
import { channelCredentials, loadTlsFiles, type TlsFiles } from '../certs/credentials.js';
import { loadInferencePackage } from '../lib/grpc/protos.js';
import { readingWhileWriting } from '../lib/grpc/read-while-writing.js';

type Unary = (
  request: object,
  metadata: Metadata,
  options: { deadline?: Date },
  callback: (error: GrpcError | null, response: unknown) => void,
) => void;

/**
 * Thrown by `waitForModel` when polling again cannot help: the TLS handshake failed, the server
 * refused our identity, or it answered with a status that is not "still starting". `code` is the
 * gRPC status of the failed call; `cause` is the grpc-js error.
 */
export class ModelWaitError extends Error {
  override readonly name = 'ModelWaitError';
  constructor(
    message: string,
    readonly code: status,
    options: { cause: unknown },
  ) {
    super(message, options);
  }
}

/**
 * A small promise-based client of the Open Inference Protocol, for the CLI, tests and
 * benchmarks. Responses are the proto-loader plain objects.
 */
export class InferenceClient {
  private constructor(
    readonly raw: Client,
    private readonly address: string,
    private readonly tls: TlsFiles,
  ) {}

  static async connect(
    address: string,
    tls: TlsFiles,
    options: Record<string, unknown> = {},
  ): Promise<InferenceClient> {
    const Ctor = loadInferencePackage().service;
    // Large requests out while large answers come back: lib/grpc/read-while-writing.ts.
    const creds = readingWhileWriting(channelCredentials(await loadTlsFiles(tls)));
    const raw = new Ctor(address, creds, {
      'grpc.max_receive_message_length': -1,
      'grpc.max_send_message_length': -1,
      // Large responses would otherwise wait for a window update every 64 KiB.
      'grpc-node.flow_control_window': 16 << 20,
      ...options,
    });
    return new InferenceClient(raw, address, tls);
  }

  /** A unary call; `metadata` carries e.g. a W3C `traceparent` to continue the caller's trace. */
  call<T = Record<string, unknown>>(
    method: string,
    request: object,
    timeoutMs = 30_000,
    metadata = new Metadata(),
  ): Promise<T> {
    const fn = (this.raw as unknown as Record<string, Unary>)[method];
    if (!fn) throw new TypeError(`GRPCInferenceService has no method ${method}`);
    return new Promise((resolve, reject) =>
      fn.call(
        this.raw,
        request,
        metadata,
        { deadline: new Date(Date.now() + timeoutMs) },
        (error, response) => (error ? reject(error) : resolve(response as T)),
      ),
    );
  }

  /**
   * Resolves once the server reports `model` ready (every partition has a replica); polls every
   * 100 ms while the model is not ready or the server is not reachable yet. Rejects at once with a
   * `ModelWaitError` when waiting cannot help (see `pollFailure`), and with an Error naming the last
   * reason after `timeoutMs`.
   */
  async waitForModel(model: string, timeoutMs = 30_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      let notReady = 'the server reports it not ready';
      try {
        const reply = await this.call<{ ready: boolean }>('ModelReady', { name: model, version: '' }, 2_000);
        if (reply.ready) return;
      } catch (error) {
        const fatal = pollFailure(error as GrpcError, this.address, this.tls);
        if (fatal !== undefined) throw fatal;
        notReady = (error as GrpcError).message;
      }
      if (Date.now() > until)
        throw new Error(`model ${model} was not ready within ${timeoutMs} ms (last: ${notReady})`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  close(): void {
    this.raw.close();
  }
}

// grpc-js reports a failed connection as UNAVAILABLE whatever the cause, with the socket's or
// OpenSSL's message in the details; these name a TLS problem that no retry will fix.
const TLS_FAILURE =
  /SSL|certificate|alert|handshake|unable to verify|identity mismatch|not in the cert's list/i;
// grpc-js's details when the socket closed after the TLS handshake but before the server spoke
// HTTP/2. A Node TLS server that requires client certificates does exactly that, without an
// alert, to a client whose certificate its CA did not sign.
const CLOSED_AFTER_HANDSHAKE = /Last error: Failed to connect\b/;

/**
 * Whether a failed ModelReady poll is worth repeating: undefined for a server that is still
 * starting (connection refused or reset, UNAVAILABLE from the server itself) or slow (a poll past
 * its deadline); otherwise the error to reject with. NOT_FOUND is final too: the router reads its
 * repository before it listens, so an unknown model is a wrong name, not a model still loading.
 */
export function pollFailure(error: GrpcError, address: string, tls: TlsFiles): ModelWaitError | undefined {
  const fail = (message: string): ModelWaitError => new ModelWaitError(message, error.code, { cause: error });
  const cert = tls.certFile === undefined ? 'no client certificate' : `client certificate ${tls.certFile}`;
  switch (error.code) {
    case status.DEADLINE_EXCEEDED:
      return undefined;
    case status.UNAVAILABLE:
      if (CLOSED_AFTER_HANDSHAKE.test(error.details))
        return fail(
          `${address} closed the connection right after the TLS handshake: it does not accept the ` +
            `${cert} (not signed by the CA it trusts?)`,
        );
      if (TLS_FAILURE.test(error.details))
        return fail(`TLS handshake with ${address} failed (${cert}, CA ${tls.caFile}): ${error.details}`);
      return undefined;
    case status.UNAUTHENTICATED:
    case status.PERMISSION_DENIED:
      return fail(`${address} refused the ${cert}: ${error.message}`);
    default:
      return fail(`ModelReady at ${address} failed: ${error.message}`);
  }
}
