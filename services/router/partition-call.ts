import { status as Status } from '@grpc/grpc-js';
import type { Tensor } from '../../lib/tensor/tensor.js';
import { ServiceError } from '../../lib/grpc/service-error.js';
import {
  specFromWire,
  specToWire,
  callWrites,
  type ShardRequestKind,
  type ShardResponseKind,
  type WireInferHeader,
  type WireInferTrailer,
} from '../../lib/grpc/shard-messages.js';
import type { PartitionSink } from '../../lib/plan/stage-gather.js';
import { gatherStatus } from './gather-status.js';
import type { ShardInstance } from '../../registry/registry.js';
import type { ShardClients } from './shard-clients.js';
import { grpcError } from './shard-stream-pool.js';

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
 * One call to one replica, on one of the long-lived `Shard.Infer` streams to it (`shard.proto`):
 * send the header (with the time left before `call.deadline`) and the input chunks (in as few
 * writes as `callWrites` makes, waiting on back-pressure between them), feed response chunks to
 * the sink, resolve with the trailer. Rejects with the call's in-band error or its stream's failure
 * (as grpc-js errors; a stream that fails is UNAVAILABLE, so the attempt may be retried
 * elsewhere), the sink's error (a GatherError as its ServiceError), DEADLINE_EXCEEDED when the
 * deadline passes, or CANCELLED when `signal` aborts; in the last three the shard gets an in-band
 * cancel for this call only.
 */
export function callPartition(clients: ShardClients, call: PartitionCall): Promise<WireInferTrailer> {
  return new Promise((resolve, reject) => {
    const remainingMs = call.deadline.getTime() - Date.now();
    if (remainingMs <= 0) return reject(grpcError(Status.DEADLINE_EXCEEDED, 'Deadline exceeded'));
    const stream = clients.stream(call.instance);
    let settled = false;
    const settle = (error: unknown, trailer?: WireInferTrailer): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      call.signal.removeEventListener('abort', onAbort);
      if (trailer) resolve(trailer);
      else reject(error);
    };
    /** Ends the call from this side: the shard stops it, nothing more is read. */
    const giveUp = (code: Status, error: unknown): void => {
      if (settled) return;
      stream.cancel(id, code);
      settle(error);
    };
    const onAbort = (): void =>
      giveUp(Status.CANCELLED, new ServiceError(Status.CANCELLED, 'the client cancelled the request'));
    if (call.signal.aborted)
      return reject(new ServiceError(Status.CANCELLED, 'the client cancelled the request'));

    // Declared before any path can settle: `settle` clears it.
    const timer = setTimeout(
      () => giveUp(Status.DEADLINE_EXCEEDED, grpcError(Status.DEADLINE_EXCEEDED, 'Deadline exceeded')),
      remainingMs,
    );
    const id = stream.open({
      message: (message: ShardResponseKind) => {
        try {
          if (message.kind === 'header') {
            const { outputs, chunks, trailer } = message.header;
            call.sink.header(outputs.map((s) => specFromWire(s, () => `shard output "${s.name}"`)));
            // A whole answer (`whole_answer`): its chunks and trailer, as if they had come apart.
            for (const c of chunks ?? []) call.sink.chunk(c.tensor, c.offset, c.data);
            if (trailer) {
              stream.close(id);
              settle(undefined, trailer);
            }
          } else if (message.kind === 'chunk') {
            call.sink.chunk(message.chunk.tensor, message.chunk.offset, message.chunk.data);
          } else if (message.kind === 'trailer') {
            stream.close(id);
            settle(undefined, message.trailer);
          } else {
            stream.close(id);
            settle(grpcError(message.error.code, message.error.message));
          }
        } catch (error) {
          giveUp(Status.CANCELLED, gatherStatus(error));
        }
      },
      streamFailed: (error) => settle(error),
    });
    call.signal.addEventListener('abort', onAbort, { once: true });

    void sendInputs().catch((error: unknown) => giveUp(Status.CANCELLED, error));

    async function sendInputs(): Promise<void> {
      const header = {
        ...call.header,
        inputs: call.inputs.map(specToWire),
        timeout_us: Math.max(1, Math.round((call.deadline.getTime() - Date.now()) * 1000)),
        whole_answer: true,
      };
      // Inputs that fit in one write travel inside the header: one message for the shard, not two.
      const groups = callWrites<ShardRequestKind>(
        { kind: 'header', header },
        call.inputs,
        call.chunkBytes,
        true,
      );
      for (const group of groups) {
        if (settled) return;
        await stream.write(id, ...group);
      }
    }
  });
}
