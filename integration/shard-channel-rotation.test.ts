import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import { runCertsInit, runCertsIssue } from '../certs/cli.js';
import { loadTlsFiles } from '../certs/credentials.js';
import { formatSpiffeId } from '../certs/identity.js';
import type { ShardRequestKind, ShardResponseKind } from '../lib/grpc/shard-messages.js';
import type { Tensor } from '../lib/tensor/tensor.js';
import { openRegistry } from '../registry/open-registry.js';
import type { ModelRunner } from '../services/shard/model-runner.js';
import { startShard, type RunningShard } from '../services/shard/shard-server.js';
import { ShardClients } from '../services/router/shard-clients.js';

/**
 * The router's shard channels across a renewal of the router's certificate, against a real shard
 * server (in process, over mTLS) with an echo runner.
 */

/** y = x, for a plan with one FP32 [-1, 2] input. */
const echo: ModelRunner = {
  inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 2] }],
  outputNames: ['y'],
  weightBytes: 0,
  run: (inputs: readonly Tensor[]) => Promise.resolve([{ ...inputs[0]!, name: 'y' }]),
  close: () => Promise.resolve(),
};

const PLAN = {
  name: 'm',
  version: '1',
  inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 2] }],
  outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 2] }],
  stages: [
    {
      name: 'main',
      partitions: [{ file: 'never-opened.onnx' }],
      inputs: [{ name: 'x', scatter: { kind: 'replicate' } }],
      outputs: [{ name: 'y', gather: { kind: 'concat', axis: 0 } }],
    },
  ],
};

let dir: string;
let shard: RunningShard;
const shardLog: Record<string, unknown>[] = [];
const certs = (): string => path.join(dir, 'certs');
const quiet = (): void => undefined;

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'shardmesh-shard-clients-'));
  await runCertsInit({ dir: certs() }, quiet);
  await runCertsIssue({ dir: certs(), role: 'shard', name: 'shard-0' }, quiet);
  await runCertsIssue({ dir: certs(), role: 'router', name: 'router' }, quiet);
  await mkdir(path.join(dir, 'models', 'm', '1'), { recursive: true });
  await writeFile(path.join(dir, 'models', 'm', '1', 'plan.json'), JSON.stringify(PLAN));
  const log = pino({ level: 'info' }, { write: (text: string) => shardLog.push(JSON.parse(text)) });
  shard = await startShard(
    {
      name: 'shard-0',
      modelRepository: path.join(dir, 'models'),
      serve: [{ model: 'm', version: '1', stage: '*', partition: '*' }],
      tls: {
        caFile: path.join(certs(), 'ca.pem'),
        certFile: path.join(certs(), 'shard-0.pem'),
        keyFile: path.join(certs(), 'shard-0-key.pem'),
      },
      testRunDelayMs: 0,
    },
    openRegistry(`embedded:${path.join(dir, 'registry')}`),
    log,
    { openRunner: () => Promise.resolve(echo) },
  );
});

after(async () => {
  await shard?.drain();
  await rm(dir, { recursive: true, force: true });
});

const routerTls = () =>
  loadTlsFiles({
    caFile: path.join(certs(), 'ca.pem'),
    certFile: path.join(certs(), 'router.pem'),
    keyFile: path.join(certs(), 'router-key.pem'),
  });

const header = (requestId: string): ShardRequestKind => ({
  kind: 'header',
  header: {
    request_id: requestId,
    model: 'm',
    version: '1',
    stage: 'main',
    partition: 0,
    inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 2] }],
  },
});
const chunk: ShardRequestKind = { kind: 'chunk', chunk: { tensor: 0, offset: 0, data: Buffer.alloc(8) } };

/** Opens a call on `clients`' stream to the shard; resolves with how it ended. */
function openCall(clients: ShardClients) {
  const stream = clients.stream({
    id: 'shard-0-m',
    address: '127.0.0.1',
    port: shard.port,
    model: 'm',
    version: '1',
    stage: 'main',
    partition: 0,
    partitionCount: 1,
    identity: formatSpiffeId({ trustDomain: 'shardmesh.local', role: 'shard', name: 'shard-0' }),
  });
  let id = 0;
  const ended = new Promise<string>((resolve) => {
    id = stream.open({
      message: (m: ShardResponseKind) => {
        if (m.kind === 'trailer') resolve('trailer');
        else if (m.kind === 'error') resolve(`error ${m.error.code}: ${m.error.message}`);
      },
      streamFailed: (error) => resolve(`stream failed ${error.code}: ${error.details}`),
    });
  });
  return { stream, send: (m: ShardRequestKind) => stream.write(id, m), ended };
}

void test(
  'after updateTls, a call still sending its inputs finishes on the old channel; new calls open a new one',
  { timeout: 30_000 },
  async () => {
    const clients = new ShardClients(await routerTls());
    try {
      const warm = openCall(clients);
      await warm.send(header('warm'));
      await warm.send(chunk);
      assert.equal(await warm.ended, 'trailer');

      const midway = openCall(clients);
      await midway.send(header('midway'));
      // The router's certificate is renewed between this call's header and its input bytes.
      await runCertsIssue({ dir: certs(), role: 'router', name: 'router' }, quiet);
      clients.updateTls(await routerTls());
      await new Promise((resolve) => setTimeout(resolve, 300));
      await midway.send(chunk);
      assert.equal(await midway.ended, 'trailer');

      const fresh = openCall(clients);
      assert.notEqual(fresh.stream, midway.stream, 'a new call goes over a new channel');
      await fresh.send(header('fresh'));
      await fresh.send(chunk);
      assert.equal(await fresh.ended, 'trailer');
      const serials = shardLog
        .filter((l) => l['msg'] === 'router stream opened')
        .map((l) => l['serialNumber']);
      assert.equal(new Set(serials).size, 2, `the shard saw two router certificates: ${serials.join(', ')}`);
    } finally {
      clients.close();
    }
  },
);
