import type { Client, ClientDuplexStream, ChannelCredentials } from '@grpc/grpc-js';
import { channelCredentialsCheckingIdentity, type TlsMaterial } from '../../certs/credentials.js';
import { parseSpiffeId } from '../../certs/identity.js';
import { loadShardPackage } from '../../lib/grpc/protos.js';
import type { ShardRequestMessage, ShardResponseMessage } from '../../lib/grpc/shard-messages.js';
import type { ShardInstance } from '../../registry/registry.js';

/** Messages on the router–shard path stay under gRPC's default 4 MiB; bigger means a broken peer. */
const MAX_MESSAGE_BYTES = 4 << 20;

/** Receive window of a shard channel: a few chunks in flight per stream. */
const FLOW_CONTROL_WINDOW_BYTES = 16 << 20;

type InferMethod = (options: {
  deadline: Date;
}) => ClientDuplexStream<ShardRequestMessage, ShardResponseMessage>;
type ShardClient = Client & { Infer: InferMethod };

/**
 * One gRPC channel per shard endpoint and claimed identity. A channel's TLS handshake fails unless
 * the shard's certificate carries the SPIFFE id its registry record claims, so a rogue
 * registration cannot attract traffic.
 */
export class ShardClients {
  readonly #clients = new Map<string, ShardClient>();

  constructor(private readonly tls: TlsMaterial) {}

  static key(instance: ShardInstance): string {
    return `${instance.address}:${instance.port}|${instance.identity}`;
  }

  open(
    instance: ShardInstance,
    deadline: Date,
  ): ClientDuplexStream<ShardRequestMessage, ShardResponseMessage> {
    const key = ShardClients.key(instance);
    let client = this.#clients.get(key);
    if (!client) {
      const creds: ChannelCredentials = channelCredentialsCheckingIdentity(
        this.tls,
        parseSpiffeId(instance.identity),
      );
      const Ctor = loadShardPackage().service;
      const host = instance.address.includes(':') ? `[${instance.address}]` : instance.address;
      client = new Ctor(`${host}:${instance.port}`, creds, {
        'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
        'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
        'grpc.keepalive_time_ms': 30_000,
        // HTTP/2's default 64 KiB window makes a shard wait for a WINDOW_UPDATE every 64 KiB of output.
        'grpc-node.flow_control_window': FLOW_CONTROL_WINDOW_BYTES,
      }) as unknown as ShardClient;
      this.#clients.set(key, client);
    }
    return client.Infer({ deadline });
  }

  /** Closes channels to endpoints that left the routing table. */
  retain(instances: readonly ShardInstance[]): void {
    const live = new Set(instances.map(ShardClients.key));
    for (const [key, client] of this.#clients) {
      if (!live.has(key)) {
        client.close();
        this.#clients.delete(key);
      }
    }
  }

  close(): void {
    for (const client of this.#clients.values()) client.close();
    this.#clients.clear();
  }
}
