import {
  credentials,
  Server,
  ServerCredentials,
  type Client,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { loadInferencePackage } from './protos.js';
import { routerInferenceDefinition } from './v2-codec.js';

/**
 * A grpc-js server on loopback with the router's V2 definition (and so its response framing) and
 * `handlers`, and a proto-loader client of it without a message size limit: the real grpc-js on
 * both sides, for tests of the codec and framing without a router around them.
 */
export async function serveRouterDefinition(
  handlers: UntypedServiceImplementation,
): Promise<{ readonly client: Client & Record<string, unknown>; close(): void }> {
  const server = new Server();
  server.addService(routerInferenceDefinition(), handlers);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );
  const Ctor = loadInferencePackage().service;
  const client = new Ctor(`127.0.0.1:${port}`, credentials.createInsecure(), {
    'grpc.max_receive_message_length': -1,
  });
  return {
    client: client as Client & Record<string, unknown>,
    close: () => {
      client.close();
      server.forceShutdown();
    },
  };
}
