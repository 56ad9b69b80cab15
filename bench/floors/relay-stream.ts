/**
 * The one stream between the relay floor's two processes (grpc-relay-server.ts in front,
 * grpc-model-server.ts behind): a bidirectional gRPC method of raw messages, each a 4-byte call id
 * (big-endian) then the payload, so every request shares one long-lived stream as the router's
 * calls to a shard do. Messages are written with their gRPC prefix in place (grpc-frame.ts), so
 * grpc-js sends them without copying them again, as the router's and the shard's codecs do.
 */
import * as grpc from '@grpc/grpc-js';
import { channelCredentials } from '../../certs/credentials.js';
import { readingWhileWriting } from '../../lib/grpc/read-while-writing.js';
import { framedMessage, installFramePatch } from '../../lib/grpc/grpc-frame.js';
import { installDecoderPatch } from '../../lib/grpc/stream-decoder-patch.js';
import { installWriteBatching } from '../../lib/grpc/write-batching.js';
import { rawBytes, storedTls } from './floor-server.js';
import { CHANNELZ_OFF } from '../../lib/grpc/channelz-off.js';

// Both ends run on the router's and the shard's patched grpc-js: messages sent without a second
// copy, received without a fresh buffer per message, a call's small writes batched.
installFramePatch();
installDecoderPatch();
installWriteBatching();

export const RELAY_PATH = '/shardmesh.floor.Relay/Infer';

export const relayMethod: grpc.MethodDefinition<Buffer, Buffer> = {
  path: RELAY_PATH,
  requestStream: true,
  responseStream: true,
  requestSerialize: rawBytes,
  requestDeserialize: rawBytes,
  responseSerialize: rawBytes,
  responseDeserialize: rawBytes,
};

/** `payload` tagged with `id`, in a framed message (one copy, as the router's codec makes). */
export function tagged(id: number, payload: Uint8Array): Buffer {
  const message = framedMessage(4 + payload.length);
  message.writeUInt32BE(id, 0);
  message.set(payload, 4);
  return message;
}

export const idOf = (message: Buffer): number => message.readUInt32BE(0);
export const payloadOf = (message: Buffer): Buffer => message.subarray(4);

/**
 * Opens the relay stream to `address`, with the router's certificate from `certsDir`, dialled as
 * the router dials shards (services/router/shard-clients.ts): reading while it writes
 * (lib/grpc/read-while-writing.ts), and without grpc-js's retry buffer a
 * write is reported done only once its bytes have left, so its frame may go back to the pool then
 * (with the buffer, frames were reused while in flight and calls got each other's ids).
 */
export function openRelayStream(address: string, certsDir: string): grpc.ClientDuplexStream<Buffer, Buffer> {
  const credentials = readingWhileWriting(channelCredentials(storedTls(certsDir, 'router')));
  const client = new grpc.Client(address, credentials, {
    ...CHANNELZ_OFF,
    'grpc.max_receive_message_length': -1,
    'grpc.enable_retries': 0,
    'grpc.per_rpc_retry_buffer_size': 0,
    'grpc-node.flow_control_window': 16 << 20,
  });
  return client.makeBidiStreamRequest(
    RELAY_PATH,
    relayMethod.requestSerialize,
    relayMethod.responseDeserialize,
  );
}
