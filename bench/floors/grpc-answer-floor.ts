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
 *
 * `startRelayFloor` runs the same answers through two processes, as shardmesh's design does: a
 * relay on the router's patched stack forwarding each ModelInfer's bytes on one long-lived stream
 * to a server that decodes the request and runs the model (grpc-relay-server.ts,
 * grpc-model-server.ts). It is the two-hop bound measured instead of added up: two grpc-js hops,
 * the relay's client side, one ONNX Runtime run in a process that sleeps between requests, and
 * nothing of shardmesh's own work (validation, routing, merging, spans, statistics).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { channelCredentials, loadTlsFiles, type TlsFiles } from '../../certs/credentials.js';
import { storeTlsFiles } from '../../certs/store.js';
import { loadInferencePackage } from '../../lib/grpc/protos.js';
import type { Tensor } from '../../lib/tensor/tensor.js';
import type { PerfAnalyzerRun } from '../perf-analyzer.js';

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

/**
 * Asks the router at `address` each recorded call for `model` and keeps its answers' bytes;
 * without ModelInfer when `infer` is false (a large answer is streamed, not replayed).
 */
export async function recordRouterAnswers(options: {
  readonly address: string;
  readonly tls: Required<TlsFiles>;
  readonly model: string;
  readonly inputs: readonly Tensor[];
  readonly infer?: boolean;
}): Promise<RecordedAnswers> {
  const methods = loadInferencePackage().service.service;
  const client = new grpc.Client(options.address, channelCredentials(await loadTlsFiles(options.tls)), {
    'grpc.max_receive_message_length': -1,
  });
  try {
    const answers: RecordedAnswers = {};
    for (const [name, request] of Object.entries(recordedCalls(options.model, options.inputs))) {
      if (name === 'ModelInfer' && options.infer === false) continue;
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

/**
 * perf_analyzer's target for `model` on the floor at `address`, with the client's certificate from
 * `certsDir` (plaintext without it). The floor's statistics answer is a recording: without `-x`,
 * perf_analyzer looks for the version it asked for in it and stops ("failed to find the requested
 * model version").
 */
export function floorTarget(
  address: string,
  model: string,
  certsDir?: string,
): Pick<PerfAnalyzerRun, 'target' | 'aliases'> {
  return {
    target: { address, model, version: '1', ...(certsDir ? { tls: storeTlsFiles(certsDir, 'client') } : {}) },
    ...(certsDir ? { aliases: { [certsDir]: '$CERTS' } } : {}),
  };
}

/**
 * The bytes each of `senders` owes an answer of `bytes`, in order: equal parts, the last one what
 * is left (grpc-bulk-relay.ts asks for these; each sender holds the largest).
 */
export function senderParts(bytes: number, senders: number): number[] {
  const share = Math.floor(bytes / senders);
  return Array.from({ length: senders }, (_, i) => (i === senders - 1 ? bytes - share * i : share));
}

/** A running floor: the address perf_analyzer calls, and its processes (for their CPU). */
export interface FloorServer {
  readonly address: string;
  readonly processes: readonly { readonly name: string; readonly pid: number }[];
  stop(): Promise<void>;
}

const script = (name: string): string => fileURLToPath(new URL(`./${name}`, import.meta.url));

/**
 * Starts the answer server on `answers` (written to `answersFile`), with the router's certificate
 * from `certsDir` and client certificates required, or plaintext without it.
 */
export async function startAnswerServer(
  answers: RecordedAnswers,
  answersFile: string,
  certsDir?: string,
): Promise<FloorServer> {
  await writeFile(answersFile, JSON.stringify(answers));
  const server = await startFloorProcess('grpc-answer-server.js', [
    answersFile,
    ...(certsDir ? [certsDir] : []),
  ]);
  return {
    address: server.address,
    processes: [{ name: 'grpc-js floor', pid: server.child.pid! }],
    stop: () => stop(server.child),
  };
}

/**
 * Starts the relay floor: grpc-relay-server.ts in front of one grpc-model-server.ts per ONNX file
 * of `models` (a whole model, or each partition of a cut: the front forwards every request to all
 * and answers once all have), mutual TLS on both hops with the certificates in `certsDir`
 * (router, shard-0).
 */
export async function startRelayFloor(
  answers: RecordedAnswers,
  answersFile: string,
  certsDir: string,
  models: string | readonly string[],
): Promise<FloorServer> {
  await writeFile(answersFile, JSON.stringify(answers));
  const backs: { child: ChildProcess; address: string }[] = [];
  const stopBacks = async (): Promise<void> => {
    for (const back of backs) await stop(back.child);
  };
  try {
    for (const model of typeof models === 'string' ? [models] : models)
      backs.push(await startFloorProcess('grpc-model-server.js', [answersFile, certsDir, model]));
  } catch (error) {
    await stopBacks();
    throw error;
  }
  const upstreams = backs.map((b) => b.address).join(',');
  const front = await startFloorProcess('grpc-relay-server.js', [answersFile, certsDir, upstreams]).catch(
    async (error: unknown) => {
      await stopBacks();
      throw error;
    },
  );
  return {
    address: front.address,
    processes: [
      { name: 'relay floor, front', pid: front.child.pid! },
      ...backs.map((b, i) => ({
        name: backs.length === 1 ? 'relay floor, model' : `relay floor, partition ${i}`,
        pid: b.child.pid!,
      })),
    ],
    stop: async () => {
      await stop(front.child);
      await stopBacks();
    },
  };
}

/**
 * Starts the large-tensor relay floor: `senders` grpc-bulk-sender.ts processes (shard-0's
 * certificate) behind grpc-bulk-relay.ts (the router's), mutual TLS on both hops with the
 * certificates in `certsDir`. The relay answers ModelInfer with `response` (the answer's head)
 * carrying one output of `bytes` bytes, an equal part from each sender; every other call with
 * `answers` (recorded without ModelInfer).
 */
export async function startBulkRelayFloor(options: {
  readonly answers: RecordedAnswers;
  readonly response: object;
  readonly bytes: number;
  readonly floorFile: string;
  readonly certsDir: string;
  readonly senders: number;
}): Promise<FloorServer> {
  const { answers, response, bytes, floorFile, certsDir, senders } = options;
  await writeFile(floorFile, JSON.stringify({ answers, response, bytes }));
  const started: { child: ChildProcess; address: string }[] = [];
  const stopAll = async (): Promise<void> => {
    for (const server of [...started].reverse()) await stop(server.child);
  };
  try {
    const largest = Math.max(...senderParts(bytes, senders));
    for (let i = 0; i < senders; i++)
      started.push(await startFloorProcess('grpc-bulk-sender.js', [certsDir, String(largest)]));
    const addresses = started.map((s) => s.address).join(',');
    started.push(await startFloorProcess('grpc-bulk-relay.js', [floorFile, certsDir, addresses]));
  } catch (error) {
    await stopAll();
    throw error;
  }
  const relay = started.at(-1)!;
  return {
    address: relay.address,
    processes: started.map((s, i) => ({
      name: s === relay ? 'bulk relay floor, relay' : `bulk relay floor, sender ${i}`,
      pid: s.child.pid!,
    })),
    stop: stopAll,
  };
}

/** Runs the floor script `name` with `args` and waits for the port it listens on. */
async function startFloorProcess(
  name: string,
  args: readonly string[],
): Promise<{ child: ChildProcess; address: string }> {
  const child = spawn(process.execPath, [script(name), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before listening`)));
    createInterface({ input: child.stdout! }).once('line', (line) => {
      const event = JSON.parse(line) as { port?: number };
      if (event.port) resolve(event.port);
      else reject(new Error(`${name}: ${line}`));
    });
  });
  return { child, address: `127.0.0.1:${port}` };
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
