import {
  Metadata,
  type Client,
  type ClientDuplexStream,
  type ServiceError as GrpcError,
} from '@grpc/grpc-js';
import { channelCredentials, type TlsMaterial } from '../../certs/credentials.js';
import { loadShardPackage } from '../../lib/grpc/protos.js';

type ShardClient = Client & {
  Infer(metadata: Metadata, options: { deadline: Date }): ClientDuplexStream<object, object>;
};

/**
 * Calls a shard's `Infer` directly with the given TLS material, as an attacker or a misconfigured
 * peer would, and resolves with the status the call ended with.
 */
export async function probeShard(port: number, tls: TlsMaterial): Promise<{ code: number; details: string }> {
  const Ctor = loadShardPackage().service;
  const client = new Ctor(`127.0.0.1:${port}`, channelCredentials(tls)) as unknown as ShardClient;
  try {
    return await new Promise((resolve) => {
      const call = client.Infer(new Metadata(), { deadline: new Date(Date.now() + 10_000) });
      call.on('data', () => undefined);
      call.on('error', (error: GrpcError) => resolve({ code: error.code, details: error.details }));
      call.on('end', () => resolve({ code: 0, details: '' }));
      call.write({
        header: {
          request_id: 'probe',
          model: 'no-such-model',
          version: '1',
          stage: 's',
          partition: 0,
          inputs: [],
        },
      });
      call.end();
    });
  } finally {
    client.close();
  }
}
