import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { credentials, type Client } from '@grpc/grpc-js';
import { loadInferencePackage } from '../../lib/grpc/protos.js';
import type { PeerServer } from './peer.js';

export interface PeerProcessOptions {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Its stdout and stderr go here. */
  readonly logFile: string;
  /** host:port where it serves V2 gRPC. */
  readonly address: string;
  readonly models: readonly string[];
  /** @default 180000: a cold Python start imports a lot */
  readonly readyTimeoutMs?: number;
}

/**
 * Starts a Python model server and waits until it says every model is ready over V2 gRPC
 * (ModelReady, plaintext). Fails with the end of its log when it exits or times out first.
 */
export async function startPeerProcess(options: PeerProcessOptions): Promise<PeerServer> {
  const log = createWriteStream(options.logFile);
  const child = spawn(options.command, [...options.args], {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(kill);
    }
  };
  const Ctor = loadInferencePackage().service;
  const client = new Ctor(options.address, credentials.createInsecure()) as Client;
  try {
    const until = Date.now() + (options.readyTimeoutMs ?? 180_000);
    for (const model of options.models) {
      while (!(await modelReady(client, model))) {
        if (child.exitCode !== null || child.signalCode !== null)
          throw new Error(
            `exited (${child.exitCode ?? child.signalCode}) before serving: ${await tail(options.logFile)}`,
          );
        if (Date.now() > until)
          throw new Error(`model ${model} not ready in time: ${await tail(options.logFile)}`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  } catch (error) {
    await stop();
    throw error;
  } finally {
    client.close();
  }
  return { address: options.address, pid: child.pid!, stop };
}

type ModelReadyCall = (
  request: { name: string; version: string },
  options: { deadline: Date },
  callback: (error: Error | null, response?: { ready?: boolean }) => void,
) => void;

function modelReady(client: Client, name: string): Promise<boolean> {
  const call = (client as unknown as { ModelReady: ModelReadyCall }).ModelReady;
  return new Promise((resolve) =>
    call.call(client, { name, version: '' }, { deadline: new Date(Date.now() + 2_000) }, (error, response) =>
      resolve(!error && !!response?.ready),
    ),
  );
}

async function tail(file: string): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.trim().split('\n').slice(-6).join(' | ') || '(no output)';
}
