/**
 * The grpc-js floor of the overhead suite: how fast a server on shardmesh's client-facing stack
 * (grpc-js, with or without mutual TLS) can answer perf_analyzer when it does nothing else.
 *
 * While a mesh runs, `recordRouterAnswers` asks its router every unary method perf_analyzer may
 * call (metadata, config, statistics, one real ModelInfer with the bench's inputs) and keeps the
 * serialized answers. `startAnswerServer` then runs bench/floors/grpc-answer-server.ts, which
 * answers each call with those bytes. The router must receive the same request and send the same
 * answer, and then also decode, route, call a shard and merge, so the floor's p50 and throughput
 * bound what any router on grpc-js can reach: if the floor's own ratio to KServe misses a goal,
 * the goal is out of reach on this stack, whatever the router does.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { channelCredentials, loadTlsFiles, type TlsFiles } from '../../certs/credentials.js';
import { loadInferencePackage } from '../../lib/grpc/protos.js';
import type { Tensor } from '../../lib/tensor/tensor.js';

/** The calls recorded, with the request each is asked with. */
function recordedCalls(model: string, inputs: readonly Tensor[]): Record<string, object> {
  const named = { name: model, version: '' };
  return {
    ServerLive: {},
    ServerReady: {},
    ServerMetadata: {},
    ModelReady: named,
    ModelMetadata: named,
    ModelConfig: named,
    ModelStatistics: named,
    ModelInfer: {
      model_name: model,
      inputs: inputs.map((t) => ({ name: t.name, datatype: t.datatype, shape: t.shape })),
      raw_input_contents: inputs.map((t) => t.data),
    },
  };
}

/** Method name → the router's serialized answer, base64: the server's answers file. */
export type RecordedAnswers = Record<string, string>;

/** Asks the router at `address` each recorded call for `model` and keeps its answers' bytes. */
export async function recordRouterAnswers(options: {
  readonly address: string;
  readonly tls: Required<TlsFiles>;
  readonly model: string;
  readonly inputs: readonly Tensor[];
}): Promise<RecordedAnswers> {
  const methods = loadInferencePackage().service.service;
  const client = new grpc.Client(options.address, channelCredentials(await loadTlsFiles(options.tls)), {
    'grpc.max_receive_message_length': -1,
  });
  try {
    const answers: RecordedAnswers = {};
    for (const [name, request] of Object.entries(recordedCalls(options.model, options.inputs))) {
      const method = methods[name]!;
      const answer = await new Promise<Buffer>((resolve, reject) =>
        client.makeUnaryRequest(
          method.path,
          method.requestSerialize,
          (b: Buffer) => b,
          request,
          (error, value) =>
            error || !value ? reject(error ?? new Error(`${name}: no answer`)) : resolve(value),
        ),
      );
      answers[name] = answer.toString('base64');
    }
    return answers;
  } finally {
    client.close();
  }
}

/** A running answer server. */
export interface AnswerServer {
  readonly address: string;
  readonly pid: number;
  stop(): Promise<void>;
}

const SERVER = fileURLToPath(new URL('./grpc-answer-server.js', import.meta.url));

/**
 * Starts the answer server on `answers` (written to `answersFile`), with the router's certificate
 * from `certsDir` and client certificates required, or plaintext without it.
 */
export async function startAnswerServer(
  answers: RecordedAnswers,
  answersFile: string,
  certsDir?: string,
): Promise<AnswerServer> {
  await writeFile(answersFile, JSON.stringify(answers));
  const child = spawn(process.execPath, [SERVER, answersFile, ...(certsDir ? [certsDir] : [])], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`grpc-answer-server exited (${code}) before listening`)));
    createInterface({ input: child.stdout! }).once('line', (line) => {
      const event = JSON.parse(line) as { port?: number };
      if (event.port) resolve(event.port);
      else reject(new Error(`grpc-answer-server: ${line}`));
    });
  });
  return { address: `127.0.0.1:${port}`, pid: child.pid!, stop: () => stop(child) };
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
