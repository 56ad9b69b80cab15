import { MAX_SHARD_MESSAGE_BYTES } from '../../lib/grpc/shard-messages.js';
import type { ChannelCredentials, Client } from '@grpc/grpc-js';
import { channelCredentialsCheckingIdentity, type TlsMaterial } from '../../certs/credentials.js';
import { parseSpiffeId } from '../../certs/identity.js';
import { ShardServiceClient } from '../../lib/grpc/shard-service.js';
import type { ShardInstance } from '../../registry/registry.js';
import { ShardStreamPool, type InferDuplex, type MuxStream } from './shard-stream-pool.js';

/** Receive window of a shard channel: a few chunks in flight per stream. */
const FLOW_CONTROL_WINDOW_BYTES = 16 << 20;

/** Long-lived `Shard.Infer` streams per shard channel; calls spread over them. */
const STREAMS_PER_CONNECTION = 2;

type ShardClient = Client & { Infer(): InferDuplex };

/**
 * One gRPC channel per shard endpoint and claimed identity, with a small pool of long-lived
 * multiplexed `Shard.Infer` streams over it. A channel's TLS handshake fails unless the shard's
 * certificate carries the SPIFFE id its registry record claims, so a rogue registration cannot
 * attract traffic; that check runs once per connection, not per call.
 */
export class ShardClients {
  readonly #channels = new Map<string, { client: ShardClient; pool: ShardStreamPool }>();

  constructor(private readonly tls: TlsMaterial) {}

  static key(instance: ShardInstance): string {
    return `${instance.address}:${instance.port}|${instance.identity}`;
  }

  /** A stream to `instance` to open a call on. */
  stream(instance: ShardInstance): MuxStream {
    const key = ShardClients.key(instance);
    let channel = this.#channels.get(key);
    if (!channel) {
      const creds: ChannelCredentials = channelCredentialsCheckingIdentity(
        this.tls,
        parseSpiffeId(instance.identity),
      );
      const host = instance.address.includes(':') ? `[${instance.address}]` : instance.address;
      const client = new ShardServiceClient(`${host}:${instance.port}`, creds, {
        'grpc.max_receive_message_length': MAX_SHARD_MESSAGE_BYTES,
        'grpc.max_send_message_length': MAX_SHARD_MESSAGE_BYTES,
        'grpc.keepalive_time_ms': 30_000,
        // The router retries partitions itself (retry-policy.ts). Without a retry buffer grpc-js
        // commits each stream at once and reports a write done only when its bytes have left,
        // which is when MuxStream may reuse the frame (with a buffer it reports at once).
        'grpc.enable_retries': 0,
        'grpc.per_rpc_retry_buffer_size': 0,
        // HTTP/2's default 64 KiB window makes a shard wait for a WINDOW_UPDATE every 64 KiB of output.
        'grpc-node.flow_control_window': FLOW_CONTROL_WINDOW_BYTES,
      }) as unknown as ShardClient;
      channel = { client, pool: new ShardStreamPool(() => client.Infer(), STREAMS_PER_CONNECTION) };
      this.#channels.set(key, channel);
    }
    return channel.pool.pick();
  }

  /** Closes channels to endpoints that left the routing table, once their open calls end. */
  retain(instances: readonly ShardInstance[]): void {
    const live = new Set(instances.map(ShardClients.key));
    for (const [key, channel] of this.#channels) {
      if (!live.has(key)) {
        channel.pool.end();
        channel.client.close();
        this.#channels.delete(key);
      }
    }
  }

  close(): void {
    for (const channel of this.#channels.values()) {
      channel.pool.end();
      channel.client.close();
    }
    this.#channels.clear();
  }
}
