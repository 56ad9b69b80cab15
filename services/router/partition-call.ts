import { status as Status } from '@grpc/grpc-js';
import { chunkRanges } from '../../lib/tensor/chunks.js';
import type { Tensor } from '../../lib/tensor/tensor.js';
import { ServiceError } from '../../lib/grpc/service-error.js';
import {
  specFromWire,
  specToWire,
  type ShardResponseMessage,
  type WireInferHeader,
  type WireInferTrailer,
} from '../../lib/grpc/shard-messages.js';
import type { PartitionSink } from '../../lib/plan/stage-gather.js';
import { gatherStatus } from './gather-status.js';
import type { ShardInstance } from '../../registry/registry.js';
import type { ShardClients } from './shard-clients.js';

export interface PartitionCall {
  readonly instance: ShardInstance;
  readonly header: WireInferHeader;
  readonly inputs: readonly Tensor[];
  readonly deadline: Date;
  readonly signal: AbortSignal;
  readonly chunkBytes: number;
  readonly sink: PartitionSink;
}

/**
 * Runs one attempt of a partition on `call.instance`: the executor's seam to the network, so its
 * retry loop can be tested with calls that fail on cue.
 */
export type PartitionCaller = (call: PartitionCall) => Promise<WireInferTrailer>;

/** The real caller: a `Shard.Infer` stream over the router's shard channels. */
export const shardCaller =
  (clients: ShardClients): PartitionCaller =>
  (call) =>
    callPartition(clients, call);

/**
 * One `Shard.Infer` stream to one replica: send the header and input chunks (waiting on
 * back-pressure), half-close, feed response chunks to the sink, resolve with the trailer. Rejects
 * with the call's gRPC error, the sink's error (a GatherError as its ServiceError), or CANCELLED
 * when `signal` aborts; the stream is cancelled then.
 */
export function callPartition(clients: ShardClients, call: PartitionCall): Promise<WireInferTrailer> {
  return new Promise((resolve, reject) => {
    const stream = clients.open(call.instance, call.deadline);
    let trailer: WireInferTrailer | undefined;
    let settled = false;
    const settle = (error?: unknown): void => {
      if (settled) return;
      settled = true;
      call.signal.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else if (trailer) resolve(trailer);
      else
        reject(
          new ServiceError(
            Status.UNAVAILABLE,
            `shard ${call.instance.id} ended the stream without a trailer`,
          ),
        );
    };
    const onAbort = (): void => {
      stream.cancel();
      settle(new ServiceError(Status.CANCELLED, 'the client cancelled the request'));
    };
    if (call.signal.aborted) return onAbort();
    call.signal.addEventListener('abort', onAbort, { once: true });

    stream.on('data', (message: ShardResponseMessage) => {
      try {
        if (message.kind === 'header') {
          call.sink.header(message.header.outputs.map((s) => specFromWire(s, `shard output "${s.name}"`)));
        } else if (message.kind === 'chunk') {
          call.sink.chunk(message.chunk.tensor, Number(message.chunk.offset), message.chunk.data);
        } else {
          trailer = message.trailer;
        }
      } catch (error) {
        stream.cancel();
        settle(gatherStatus(error));
      }
    });
    stream.on('error', (error) => settle(error));
    stream.on('status', () => undefined);
    stream.on('end', () => settle());

    void sendInputs().catch((error: unknown) => {
      stream.cancel();
      settle(error);
    });

    async function sendInputs(): Promise<void> {
      const header = { ...call.header, inputs: call.inputs.map(specToWire) };
      await write({ kind: 'header', header });
      for (const [tensor, input] of call.inputs.entries()) {
        for (const [offset, bytes] of chunkRanges(input.data.length, input.datatype, call.chunkBytes)) {
          if (settled) return;
          await write({
            kind: 'chunk',
            chunk: { tensor, offset, data: input.data.subarray(offset, offset + bytes) },
          });
        }
      }
      stream.end();
    }

    function write(message: Parameters<typeof stream.write>[0]): Promise<void> {
      return new Promise((done) => (stream.write(message) ? done() : stream.once('drain', () => done())));
    }
  });
}
