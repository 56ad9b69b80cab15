/**
 * The back of the relay floor, run as its own process (as a shard is): a grpc-js server, set up
 * and patched as a shard's, of one method, the relay stream (relay-stream.ts). For each tagged
 * ModelInferRequest it decodes the request (lib/grpc/v2-codec.ts, the router's decoder: raw inputs
 * as views), runs the model on its inputs with the shard's own runner and defaults
 * (services/shard/ort-runner.ts: intra-op 1, inter-op 1, sequential, no CPU arena), and answers
 * the call id with the router's recorded ModelInfer answer for the bench's inputs (the same bytes
 * the mesh answers; the run's own outputs are not encoded).
 *
 * Usage: node dist/bench/floors/grpc-model-server.js ANSWERS_JSON CERTS_DIR MODEL_FILE
 * Prints {"event":"listening","port":N} on stdout when ready.
 */
import type * as grpc from '@grpc/grpc-js';
import { decodeInferRequest } from '../../lib/grpc/v2-codec.js';
import type { Datatype } from '../../lib/tensor/dtype.js';
import type { WireInputTensor } from '../../services/router/v2-tensors.js';
import type { Tensor } from '../../lib/tensor/tensor.js';
import { OrtRunner } from '../../services/shard/ort-runner.js';
import { listenAsFloor, readRecordedAnswers, routerLikeServer } from './floor-server.js';
import { idOf, payloadOf, relayMethod, tagged } from './relay-stream.js';

const [answersFile, certsDir, modelFile] = process.argv.slice(2);
if (!answersFile || !certsDir || !modelFile)
  throw new Error('usage: grpc-model-server.js ANSWERS_JSON CERTS_DIR MODEL_FILE');
const answer = readRecordedAnswers(answersFile).get('ModelInfer');
if (!answer) throw new Error(`${answersFile} has no ModelInfer answer`);

// The shard's own runner, with the shard's defaults.
const runner = await OrtRunner.load(modelFile, 0);

/** The request's inputs, their bytes views of the message (as the router's decoder leaves them). */
function inputsOf(request: Buffer): Tensor[] {
  const decoded = decodeInferRequest(request) as { inputs: WireInputTensor[]; raw_input_contents: Buffer[] };
  return decoded.inputs.map((input, i) => ({
    name: input.name,
    // The bench sends only the model's own datatypes; the router's checks are not the floor's work.
    datatype: input.datatype as Datatype,
    shape: input.shape.map(Number),
    data: decoded.raw_input_contents[i]!,
  }));
}

const relay = (call: grpc.ServerDuplexStream<Buffer, Buffer>): void => {
  call.on('data', (message: Buffer) => {
    const id = idOf(message);
    runner.run(inputsOf(payloadOf(message))).then(
      () => call.write(tagged(id, answer)),
      (error: unknown) => {
        process.stderr.write(`grpc-model-server: ${String(error)}\n`);
        process.exit(1);
      },
    );
  });
  call.on('end', () => call.end());
};

const server = routerLikeServer();
server.addService({ Infer: relayMethod }, { Infer: relay });
listenAsFloor(server, certsDir, 'shard-0');
