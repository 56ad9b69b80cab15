/**
 * The middle of the large-tensor gRPC relay floor, run as its own process (as the router is): the
 * least a router on shardmesh's stack can do with a large answer. A grpc-js server of
 * `inference.GRPCInferenceService` set up and patched as the router's (floor-server.ts,
 * relay-stream.ts, server-framing.ts) holds one long-lived relay stream to each sender
 * (grpc-bulk-sender.ts processes, standing in for the shards), over mutual TLS with the router's
 * certificate. Its ModelInfer asks every sender for an equal part of the answer, copies each chunk
 * into one pooled buffer as it arrives (as the router's merge does) and streams the ModelInfer
 * answer to the client while the parts still arrive (streamed-message.ts, as the router's
 * StreamedAnswer does), the parts in sender order. Every other method answers the router's
 * recorded bytes.
 *
 * Not done: decoding or validating the request, routing, running a model, headers, trailers,
 * retries, spans, statistics. What is left is the two grpc-js hops with mutual TLS and one copy.
 *
 * Usage: node dist/bench/floors/grpc-bulk-relay.js FLOOR_JSON CERTS_DIR SENDER_ADDRESS[,…]
 * FLOOR_JSON: {"answers": recorded answers, "response": the answer's head (model_name,
 * model_version, id, outputs [{name, datatype, shape}]), "bytes": its one output's byte count}.
 * Prints {"event":"listening","port":N} on stdout when ready.
 */
import { readFileSync } from 'node:fs';
import type * as grpc from '@grpc/grpc-js';
import { releaseFramedMessage } from '../../lib/grpc/grpc-frame.js';
import { installServerFraming } from '../../lib/grpc/server-framing.js';
import { releaseReceived } from '../../lib/grpc/stream-decoder-patch.js';
import { markStreamed } from '../../lib/grpc/streamed-message.js';
import { inferResponseFraming } from '../../lib/grpc/v2-codec.js';
import { allocateOutput, releaseOutput } from '../../lib/tensor/output-buffers.js';
import {
  decodeRecordedAnswers,
  listenAsFloor,
  recordedInferenceService,
  routerLikeServer,
} from './floor-server.js';
import { idOf, openRelayStream, payloadOf, tagged } from './relay-stream.js';
import { senderParts, type RecordedAnswers } from './grpc-answer-floor.js';

const [floorFile, certsDir, senderAddresses] = process.argv.slice(2);
if (!floorFile || !certsDir || !senderAddresses)
  throw new Error('usage: grpc-bulk-relay.js FLOOR_JSON CERTS_DIR SENDER_ADDRESS[,SENDER_ADDRESS...]');
const floor = JSON.parse(readFileSync(floorFile, 'utf8')) as {
  answers: RecordedAnswers;
  response: object;
  bytes: number;
};
if (!installServerFraming()) throw new Error('grpc-js is not the release the streamed answer was checked on');
// Every answer has the same head, length and parts: worked out once, not per request.
const { before, length } = inferResponseFraming(floor.response, [floor.bytes]);
const partBytes = senderParts(floor.bytes, senderAddresses.split(',').length);

/** One sender's part of an answer: where it starts in the answer, how long, how much arrived. */
interface Part {
  readonly at: number;
  readonly bytes: number;
  filled: number;
}

/** An answer in flight: its buffer, its parts in order, and the pipe waiting for more bytes. */
interface Answer {
  readonly data: Buffer;
  readonly parts: readonly Part[];
  wake?: () => void;
}

const answers = new Map<number, Answer>();

// One relay stream per sender, as the router holds its streams to shards.
const streams = senderAddresses.split(',').map((address, i) => {
  const stream = openRelayStream(address, certsDir);
  stream.on('data', (message: Buffer) => {
    const answer = answers.get(idOf(message));
    if (answer) {
      const part = answer.parts[i]!;
      const payload = payloadOf(message);
      answer.data.set(payload, part.at + part.filled);
      part.filled += payload.length;
      answer.wake?.();
    }
    releaseReceived(message);
  });
  stream.on('error', (error: Error) => {
    process.stderr.write(`grpc-bulk-relay: sender ${i}: ${error.message}\n`);
    process.exit(1);
  });
  return stream;
});

/** Bytes of `answer` final from its start: every part before the first incomplete one, and that one's. */
function finalPrefix(answer: Answer): number {
  let final = 0;
  for (const part of answer.parts) {
    final += part.filled;
    if (part.filled < part.bytes) break;
  }
  return final;
}

async function pipe(answer: Answer, before: Buffer, write: (bytes: Uint8Array) => void): Promise<void> {
  write(before);
  let sent = 0;
  while (sent < answer.data.length) {
    const final = finalPrefix(answer);
    if (final > sent) {
      write(answer.data.subarray(sent, final));
      sent = final;
    } else await new Promise<void>((resolve) => (answer.wake = resolve));
  }
}

let next = 0;
const modelInfer: grpc.handleUnaryCall<Buffer, object> = (call, callback) => {
  const id = next++ >>> 0;
  let at = 0;
  const parts = partBytes.map((bytes) => {
    const part = { at, bytes, filled: 0 };
    at += bytes;
    return part;
  });
  const answer: Answer = { data: allocateOutput(floor.bytes, { zeroFill: false }), parts };
  answers.set(id, answer);
  call.once('cancelled', () => answers.delete(id));
  streams.forEach((stream, i) => {
    const count = Buffer.alloc(8);
    count.writeBigUInt64LE(BigInt(parts[i]!.bytes));
    const message = tagged(id, count);
    stream.write(message, () => releaseFramedMessage(message));
  });
  callback(
    null,
    markStreamed(
      { ...floor.response },
      {
        length,
        pipe: (write) => pipe(answer, before[0]!, write),
        afterWrite: () => {
          answers.delete(id);
          releaseOutput(answer.data);
        },
      },
    ),
  );
};

const server = routerLikeServer();
const { definition, implementation } = recordedInferenceService(decodeRecordedAnswers(floor.answers), {
  ModelInfer: modelInfer as unknown as grpc.handleUnaryCall<Buffer, Buffer>,
});
server.addService(definition, implementation);
listenAsFloor(server, certsDir, 'router');
