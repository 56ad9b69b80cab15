import {
  Metadata,
  type Client,
  type ClientDuplexStream,
  type ServiceError as GrpcError,
} from '@grpc/grpc-js';
import { channelCredentials, type TlsMaterial } from '../../certs/credentials.js';
import type { ShardRequestMessage, ShardResponseMessage } from '../../lib/grpc/shard-messages.js';
import { ShardServiceClient } from '../../lib/grpc/shard-service.js';

type ShardClient = Client & {
  Infer(
    metadata: Metadata,
    options: { deadline: Date },
  ): ClientDuplexStream<ShardRequestMessage, ShardResponseMessage>;
};

/**
 * Calls a shard's `Infer` directly with the given TLS material, as an attacker or a misconfigured
 * peer would: one call on a stream of its own. Resolves with the status that call ended with: its
 * in-band error, or the stream's status when the shard refused the stream itself.
 */
export async function probeShard(port: number, tls: TlsMaterial): Promise<{ code: number; details: string }> {
  const client = new ShardServiceClient(
    `127.0.0.1:${port}`,
    channelCredentials(tls),
  ) as unknown as ShardClient;
  try {
    return await new Promise((resolve) => {
      const call = client.Infer(new Metadata(), { deadline: new Date(Date.now() + 10_000) });
      call.on('data', (m: ShardResponseMessage) => {
        if (m.kind === 'error') resolve({ code: m.error.code, details: m.error.message });
      });
      call.on('error', (error: GrpcError) => resolve({ code: error.code, details: error.details }));
      call.on('end', () => resolve({ code: 0, details: '' }));
      call.write({
        call_id: 1,
        kind: 'header',
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
