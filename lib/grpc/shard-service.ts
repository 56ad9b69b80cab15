import {
  makeGenericClientConstructor,
  type handleBidiStreamingCall,
  type ServiceDefinition,
} from '@grpc/grpc-js';
import {
  deserializeShardRequest,
  deserializeShardResponse,
  serializeShardRequest,
  serializeShardResponse,
} from './shard-codec.js';
import { installFramePatch } from './grpc-frame.js';
import { installDecoderPatch } from './stream-decoder-patch.js';
import { installWriteBatching } from './write-batching.js';
import type { ShardRequestMessage, ShardResponseMessage } from './shard-messages.js';

// Shard messages carry their own gRPC prefix; let grpc-js send them without copying them again,
// receive them without a fresh buffer per message (stream-decoder-patch.ts), and send a call's
// small messages together in one HTTP/2 write (write-batching.ts).
installFramePatch();
installDecoderPatch();
installWriteBatching();

/** The method path of `shardmesh.v1.Shard/Infer`, as any gRPC client of `shard.proto` calls it. */
export const SHARD_INFER_PATH = '/shardmesh.v1.Shard/Infer';

/**
 * `shardmesh.v1.Shard` for grpc-js with the hand-written codec instead of proto-loader's: what a
 * shard serves (`server.addService`) and a router dials. Same method path and wire format as
 * `shard.proto`, so stubs generated from it in any language call a shard unchanged.
 */
export const shardServiceDefinition: ServiceDefinition<{
  Infer: handleBidiStreamingCall<ShardRequestMessage, ShardResponseMessage | Buffer>;
}> = {
  Infer: {
    path: SHARD_INFER_PATH,
    requestStream: true,
    responseStream: true,
    // A router serializes its messages itself (to reuse their frames); anything else is encoded here.
    requestSerialize: (m: ShardRequestMessage | Buffer) =>
      Buffer.isBuffer(m) ? m : serializeShardRequest(m),
    requestDeserialize: deserializeShardRequest,
    // A shard writes a call's messages together as one buffer (`serializeShardResponses`).
    responseSerialize: (m: ShardResponseMessage | Buffer) =>
      Buffer.isBuffer(m) ? m : serializeShardResponse(m),
    responseDeserialize: deserializeShardResponse,
    originalName: 'Infer',
  },
};

/** A client constructor for the shard service: `new ShardServiceClient(address, credentials, options)`. */
export const ShardServiceClient = makeGenericClientConstructor(shardServiceDefinition, 'shardmesh.v1.Shard');
