// For the TLS tests (credentials, certificate validity, the peer-certificate cache): a real grpc-js
// server with one method over raw bytes that answers with the SPIFFE id it saw for its caller, or
// UNAUTHENTICATED without one, and a client for it. Test support only; nothing else imports it.
import * as grpc from '@grpc/grpc-js';
import { serverCredentials, type ServerTlsOptions } from './credentials.js';
import { formatSpiffeId, identityFromPeerCertificate } from './identity.js';

const WHO_AM_I_PATH = '/shardmesh.test.WhoAmI/WhoAmI';
const passThrough = (bytes: Buffer): Buffer => bytes;
const whoAmIService: grpc.ServiceDefinition = {
  whoAmI: {
    path: WHO_AM_I_PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: passThrough,
    requestDeserialize: passThrough,
    responseSerialize: passThrough,
    responseDeserialize: passThrough,
  },
};
const WhoAmIClient = grpc.makeGenericClientConstructor(whoAmIService, 'WhoAmI');

/** The servers and clients a test file started, for its `after` to close. */
export class WhoAmIHarness {
  readonly #servers: grpc.Server[] = [];
  readonly #clients: grpc.Client[] = [];

  /** Starts a server on 127.0.0.1:0; `calls` counts the calls its handler ran. */
  async serve(tls: ServerTlsOptions): Promise<{ address: string; calls: () => number }> {
    let calls = 0;
    const server = new grpc.Server();
    server.addService(whoAmIService, {
      whoAmI(call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) {
        calls++;
        try {
          const identity = identityFromPeerCertificate(call.getAuthContext().sslPeerCertificate);
          callback(null, Buffer.from(formatSpiffeId(identity)));
        } catch (error) {
          callback({ code: grpc.status.UNAUTHENTICATED, details: (error as Error).message });
        }
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', serverCredentials(tls), (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
    this.#servers.push(server);
    return { address: `127.0.0.1:${port}`, calls: () => calls };
  }

  /** A client of `address` with `creds`; closed by `close`. */
  client(address: string, creds: grpc.ChannelCredentials): grpc.Client {
    const client = new WhoAmIClient(address, creds);
    this.#clients.push(client);
    return client;
  }

  close(): void {
    for (const client of this.#clients) client.close();
    for (const server of this.#servers) server.forceShutdown();
  }
}

/** One call: the SPIFFE id the server saw, or the call's error. */
export function whoAmI(client: grpc.Client): Promise<string> {
  return new Promise((resolve, reject) =>
    client.makeUnaryRequest<Buffer, Buffer>(
      WHO_AM_I_PATH,
      passThrough,
      passThrough,
      Buffer.alloc(0),
      { deadline: Date.now() + 10_000 },
      (error, reply) => (error ? reject(error) : resolve(reply?.toString() ?? '')),
    ),
  );
}
